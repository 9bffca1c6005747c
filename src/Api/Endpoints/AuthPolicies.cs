namespace Alavida.Api.Endpoints;

/// <summary>Authorization policy names.</summary>
public static class AuthPolicies
{
    /// <summary>A team's API key.</summary>
    public const string Team = "team";

    /// <summary>The platform admin key.</summary>
    public const string Admin = "admin";

    /// <summary>A team's key (scoped to the team) or the admin key (sees all).</summary>
    public const string TeamOrAdmin = "team-or-admin";
}
