namespace Alavida.Grains.Prospect;

/// <summary>A list request for one entity of the prospect chain, scoped to a team.</summary>
/// <param name="TeamId">The caller's team; only its rows are visible.</param>
/// <param name="Quantum">icp-discovery, lead-discovery or buying-signals.</param>
/// <param name="Entity">qualifications; leads or people; scores or signals.</param>
/// <param name="CompanyId">Only rows of this company.</param>
/// <param name="PersonId">Only rows of this person (leads, people).</param>
/// <param name="JobId">Only rows written by this job (for cascade runs: the job that started the cascade).</param>
/// <param name="TraceId">Only rows of this trace.</param>
/// <param name="Tier">Only scores of this tier (hot, warm, cold).</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">The previous page's <c>next_cursor</c>.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Prospect.ProspectDataQuery")]
public sealed record ProspectDataQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string Quantum,
    [property: Id(2)] string Entity,
    [property: Id(3)] Guid? CompanyId,
    [property: Id(4)] Guid? PersonId,
    [property: Id(5)] Guid? JobId,
    [property: Id(6)] string? TraceId,
    [property: Id(7)] string? Tier,
    [property: Id(8)] int Limit,
    [property: Id(9)] string? Cursor);

/// <summary>One page of rows as JSON objects (their fields are documented in each quantum's SKILL.md).</summary>
/// <param name="ItemsJson">Each row as a JSON object, newest first.</param>
/// <param name="NextCursor">Cursor of the next page; null at the end.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Prospect.ProspectDataPage")]
public sealed record ProspectDataPage([property: Id(0)] IReadOnlyList<string> ItemsJson, [property: Id(1)] string? NextCursor);

/// <summary>Reads the prospect chain's data for <c>GET /{quantum}/data/{entity}</c>, always within one team.</summary>
[Alias("Alavida.Prospect.IProspectDataGrain")]
public interface IProspectDataGrain : IGrainWithIntegerKey
{
    /// <summary>The entities this grain serves, as (quantum, entity) pairs.</summary>
    static IReadOnlyList<(string Quantum, string Entity)> Entities { get; } =
        [("icp-discovery", "qualifications"), ("lead-discovery", "leads"), ("lead-discovery", "people"), ("buying-signals", "scores"), ("buying-signals", "signals")];

    /// <summary>A page of rows, newest first; throws <see cref="ArgumentException"/> for a foreign cursor.</summary>
    [Alias("List")]
    Task<ProspectDataPage> ListAsync(ProspectDataQuery query);

    /// <summary>How many leads the team has at each of these companies, in one read (companies without any are left out).</summary>
    [Alias("CountLeads")]
    Task<IReadOnlyDictionary<Guid, long>> CountLeadsAsync(Guid teamId, IReadOnlyList<Guid> companyIds);

    /// <summary>One row by its id (for people: the person id), or null when the team has none.</summary>
    [Alias("Get")]
    Task<string?> GetAsync(Guid teamId, string quantum, string entity, Guid id);
}
