namespace Alavida.Api.Endpoints;

/// <summary>Authorization policy names.</summary>
public static class AuthPolicies
{
    /// <summary>A team's API key.</summary>
    public const string Team = "team";

    /// <summary>The platform admin key.</summary>
    public const string Admin = "admin";
}
