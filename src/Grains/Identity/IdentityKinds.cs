namespace Alavida.Grains.Identity;

/// <summary>How an <see cref="IdentityKind"/> is written, in the database and in results.</summary>
internal static class IdentityKinds
{
    public static string Text(IdentityKind kind) => kind == IdentityKind.Company ? "company" : "person";

    /// <summary>The kind <see cref="Text"/> wrote (input the registry schema has validated).</summary>
    public static IdentityKind Parse(string? text) => text == "person" ? IdentityKind.Person : IdentityKind.Company;
}
