namespace Alavida.Grains.Platform;

/// <summary>Who an API key belongs to.</summary>
/// <param name="KeyId">The key's id.</param>
/// <param name="TeamId">The team it is scoped to.</param>
/// <param name="Name">The key's name.</param>
/// <param name="TeamName">The team's name.</param>
/// <param name="Kind">What the key may do: <see cref="ApiKeyKinds.Api"/> (the API) or <see cref="ApiKeyKinds.Event"/> (send events only).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.ApiKeyIdentity")]
public sealed record ApiKeyIdentity(
    [property: Id(0)] Guid KeyId, [property: Id(1)] Guid TeamId, [property: Id(2)] string Name, [property: Id(3)] string TeamName,
    [property: Id(4)] string Kind = ApiKeyKinds.Api);

/// <summary>The kinds of keys: both look alike (<c>alv_…</c>) and are verified alike; what they may do differs.</summary>
public static class ApiKeyKinds
{
    /// <summary>An API key: <c>Authorization: Bearer</c> on the whole API of its team.</summary>
    public const string Api = "api";

    /// <summary>An event key: only sends events of its team, to <c>POST /e/{key}</c> (Inngest's event API).</summary>
    public const string Event = "event";
}

/// <summary>A newly created key: the only time its secret is shown.</summary>
/// <param name="KeyId">The key's id.</param>
/// <param name="Name">The key's name.</param>
/// <param name="Prefix">The recognisable, non-secret part (<c>alv_…</c>).</param>
/// <param name="Secret">The full key to put in <c>Authorization: Bearer</c>.</param>
/// <param name="CreatedAt">When it was created.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.NewApiKey")]
public sealed record NewApiKey(
    [property: Id(0)] Guid KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Prefix,
    [property: Id(3)] string Secret,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>A key as listed (never its secret).</summary>
/// <param name="KeyId">The key's id.</param>
/// <param name="Name">The key's name.</param>
/// <param name="Prefix">The recognisable, non-secret part.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="LastUsedAt">Last use (updated at most once a minute).</param>
/// <param name="RevokedAt">Revocation time, if revoked.</param>
/// <param name="Kind">api or event (<see cref="ApiKeyKinds"/>).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.ApiKeyView")]
public sealed record ApiKeyView(
    [property: Id(0)] Guid KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Prefix,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? LastUsedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt,
    [property: Id(6)] string Kind = ApiKeyKinds.Api);

/// <summary>One API key, keyed by its prefix: verifies secrets against the stored hash and tracks use.</summary>
[Alias("Alavida.Platform.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>The key's owner when <paramref name="secret"/> is this key and it is not revoked; otherwise null.</summary>
    [Alias("Authenticate")]
    Task<ApiKeyIdentity?> AuthenticateAsync(string secret);

    /// <summary>Revokes the key at once; later authentications fail.</summary>
    [Alias("Revoke")]
    Task RevokeAsync();
}

/// <summary>A team to create.</summary>
/// <param name="Name">Team name.</param>
/// <param name="OwnerEmail">The owner's email (a user is created or reused).</param>
/// <param name="Credits">Opening credits.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.NewTeam")]
public sealed record NewTeam([property: Id(0)] string Name, [property: Id(1)] string OwnerEmail, [property: Id(2)] long Credits);

/// <summary>A created team with its first API key.</summary>
/// <param name="TeamId">The team id.</param>
/// <param name="Name">The team name.</param>
/// <param name="OwnerUserId">The owner's user id.</param>
/// <param name="OwnerEmail">The owner's email.</param>
/// <param name="ApiKey">The first key (secret shown once).</param>
/// <param name="Credits">The account.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.TeamCreated")]
public sealed record TeamCreated(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string Name,
    [property: Id(2)] Guid OwnerUserId,
    [property: Id(3)] string OwnerEmail,
    [property: Id(4)] NewApiKey ApiKey,
    [property: Id(5)] CreditBalance Credits);

/// <summary>A team as the platform admin lists it.</summary>
/// <param name="TeamId">The team id.</param>
/// <param name="Name">The team name.</param>
/// <param name="OwnerUserId">Its owner's user id (null if it has no owner).</param>
/// <param name="OwnerEmail">Its owner's email.</param>
/// <param name="Balance">Spendable credits.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ActiveKeys">Its API keys that are not revoked.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.TeamView")]
public sealed record TeamView(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string Name,
    [property: Id(2)] Guid? OwnerUserId,
    [property: Id(3)] string? OwnerEmail,
    [property: Id(4)] long Balance,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] int ActiveKeys);

/// <summary>Platform administration: teams and keys.</summary>
[Alias("Alavida.Platform.IPlatformAdminGrain")]
public interface IPlatformAdminGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a team, its owner, its credit account and a first API key.</summary>
    [Alias("CreateTeam")]
    Task<TeamCreated> CreateTeamAsync(NewTeam team);

    /// <summary>True when the team exists.</summary>
    [Alias("TeamExists")]
    Task<bool> TeamExistsAsync(Guid teamId);

    /// <summary>Creates another key for a team; null when the team does not exist.</summary>
    [Alias("CreateApiKey")]
    Task<NewApiKey?> CreateApiKeyAsync(Guid teamId, string name);

    /// <summary>Revokes a team's key; false when the team has no such key.</summary>
    [Alias("RevokeApiKey")]
    Task<bool> RevokeApiKeyAsync(Guid teamId, Guid keyId);

    /// <summary>A team's keys of every kind, newest first.</summary>
    [Alias("ListApiKeys")]
    Task<IReadOnlyList<ApiKeyView>> ListApiKeysAsync(Guid teamId);

    /// <summary>Creates an event key for a team (it can only send events); null when the team does not exist.</summary>
    [Alias("CreateEventKey")]
    Task<NewApiKey?> CreateEventKeyAsync(Guid teamId, string name);

    /// <summary>A team's event keys, newest first.</summary>
    [Alias("ListEventKeys")]
    Task<IReadOnlyList<ApiKeyView>> ListEventKeysAsync(Guid teamId);

    /// <summary>Revokes one of a team's event keys at once; false when the team has no such event key.</summary>
    [Alias("RevokeEventKey")]
    Task<bool> RevokeEventKeyAsync(Guid teamId, Guid keyId);

    /// <summary>Creates the local development team when the database has no team yet; null otherwise.</summary>
    [Alias("EnsureDevelopmentTeam")]
    Task<TeamCreated?> EnsureDevelopmentTeamAsync(long credits);

    /// <summary>The local development team (the first made by <see cref="EnsureDevelopmentTeamAsync"/>); null when there is none.</summary>
    [Alias("FindDevelopmentTeam")]
    Task<TeamView?> FindDevelopmentTeamAsync();

    /// <summary>A page of teams, newest first; throws <see cref="ArgumentException"/> for a cursor no page returned.</summary>
    [Alias("ListTeams")]
    Task<Page<TeamView>> ListTeamsAsync(int limit, string? cursor);
}

/// <summary>
/// The API key format: <c>alv_</c> + 10 base62 characters (the public prefix, stored and shown) + <c>_</c> + 32
/// base62 characters (the secret part). Only a SHA-256 of the whole key is stored.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>Every API key starts with this, so leaked keys are easy to recognise and scan for.</summary>
    public const string Marker = "alv_";

    /// <summary>
    /// Every event key starts with this instead: told apart at a glance, and refused by releases that predate event
    /// keys (their format check wants <see cref="Marker"/>), so such a release never takes one for an API key.
    /// </summary>
    public const string EventMarker = "alve_";

    /// <summary>Length of the identifying part after the marker.</summary>
    public const int IdLength = 10;

    /// <summary>Length of the secret part.</summary>
    public const int SecretLength = 32;

    /// <summary>The characters of the generated parts (base62).</summary>
    public const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static readonly System.Buffers.SearchValues<char> Base62 = System.Buffers.SearchValues.Create(Alphabet);

    /// <summary>Extracts the public prefix (<c>alv_XXXXXXXXXX</c> or <c>alve_XXXXXXXXXX</c>) from a well-formed key.</summary>
    public static bool TryGetPrefix(string? key, out string prefix)
    {
        prefix = "";
        var marker = key is null ? null : key.StartsWith(Marker, StringComparison.Ordinal) ? Marker : key.StartsWith(EventMarker, StringComparison.Ordinal) ? EventMarker : null;
        if (marker is null)
        {
            return false;
        }

        var separator = marker.Length + IdLength;
        if (key!.Length != separator + 1 + SecretLength || key[separator] != '_'
            || key.AsSpan(marker.Length, IdLength).ContainsAnyExcept(Base62)
            || key.AsSpan(separator + 1).ContainsAnyExcept(Base62))
        {
            return false;
        }

        prefix = key[..separator];
        return true;
    }
}
