using NpgsqlTypes;

namespace Alavida.Grains.Identity.Data;

/// <summary>
/// One company or person row with its keys (<c>kind:value</c>) and indexed names (<c>normalized name|scope</c>), as
/// cached by its grain. Plain arrays, not sets: an entity has a handful of each, and a set costs ~200 bytes more per
/// cached grain.
/// </summary>
public sealed record EntityRecord<TAttributes>(
    Guid Id,
    TAttributes Attributes,
    IReadOnlyList<string> Keys,
    IReadOnlyList<string> Names,
    IReadOnlyList<string> Sources,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    Guid? MergedInto)
{
    /// <summary>Values of the owned keys of one kind, sorted.</summary>
    public IReadOnlyList<string> KeyValues(string kind) =>
        [.. Keys.Where(k => k.StartsWith(kind + ":", StringComparison.Ordinal)).Select(k => k[(kind.Length + 1)..]).Order(StringComparer.Ordinal)];
}

/// <summary>A company's own attributes (columns of <c>identity.companies</c>).</summary>
public sealed record CompanyAttributes(string? DisplayName, string? NameKey, string? LegalForm, string? LinkedInSlug, string? Country);

/// <summary>A person's own attributes (columns of <c>identity.persons</c>).</summary>
public sealed record PersonAttributes(
    string? FullName, string? GivenName, string? FamilyName, string? NameKey, string? LinkedInSlug, Guid? CurrentCompanyId);

/// <summary>A column of an entity table filled from an input's facts.</summary>
/// <param name="Name">The column.</param>
/// <param name="Value">Its value from the facts (null: nothing to say).</param>
/// <param name="Current">Its cached value.</param>
/// <param name="Overwrite">Replace an existing value (current company); otherwise only fill a null.</param>
/// <param name="Type">The column's type (text unless said).</param>
public sealed record FactColumn<TFacts, TAttributes>(
    string Name, Func<TFacts, object?> Value, Func<TAttributes, object?> Current, bool Overwrite = false, NpgsqlDbType Type = NpgsqlDbType.Text)
{
    /// <summary>Whether the facts would change this column.</summary>
    public bool Changes(TFacts facts, TAttributes current) =>
        Value(facts) is { } value && (Overwrite ? !value.Equals(Current(current)) : Current(current) is null);
}
