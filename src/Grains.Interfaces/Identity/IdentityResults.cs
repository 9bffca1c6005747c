namespace Alavida.Grains.Identity;

/// <summary>The outcome of resolving one input.</summary>
public enum ResolutionStatus
{
    /// <summary>An existing entity was identified.</summary>
    Matched = 0,

    /// <summary>No entity existed for the input's canonical key; one was created with a deterministic id.</summary>
    Created = 1,

    /// <summary>The input matched more than one entity; see the candidates. Nothing was guessed.</summary>
    Ambiguous = 2,

    /// <summary>The input cannot identify an entity; see the reason.</summary>
    Rejected = 3,
}

/// <summary>The result of resolving one company input, in the position of that input.</summary>
/// <param name="Index">The input's position in the request (0-based).</param>
/// <param name="Status">Matched, created, ambiguous or rejected.</param>
/// <param name="CompanyId">The company's id (the survivor's when the matched id was merged); null unless matched or created.</param>
/// <param name="Confidence">How sure the match is, 0–1 (see <c>docs/identity.md</c>); 0 when ambiguous or rejected.</param>
/// <param name="Evidence">The key that decided: <c>domain</c>, <c>linkedin</c>, <c>name</c>, <c>name+country</c>; empty when rejected.</param>
/// <param name="RulesVersion">The version of the resolution rules that produced this result.</param>
/// <param name="Reason">Why the input was rejected or is ambiguous; null otherwise.</param>
/// <param name="Candidates">The matching companies when ambiguous; empty otherwise.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.CompanyResolution")]
public sealed record CompanyResolution(
    [property: Id(0)] int Index,
    [property: Id(1)] ResolutionStatus Status,
    [property: Id(2)] Guid? CompanyId,
    [property: Id(3)] double Confidence,
    [property: Id(4)] string Evidence,
    [property: Id(5)] string RulesVersion,
    [property: Id(6)] string? Reason,
    [property: Id(7)] IReadOnlyList<Guid> Candidates);

/// <summary>The result of resolving one person input, in the position of that input.</summary>
/// <param name="Index">The input's position in the request (0-based).</param>
/// <param name="Status">Matched, created, ambiguous or rejected.</param>
/// <param name="PersonId">The person's id (the survivor's when merged); null unless matched or created.</param>
/// <param name="CompanyId">The person's company when a work email or company domain identified it; otherwise null.</param>
/// <param name="Confidence">How sure the match is, 0–1 (see <c>docs/identity.md</c>); 0 when ambiguous or rejected.</param>
/// <param name="Evidence">The key that decided: <c>linkedin</c>, <c>work_email</c>, <c>personal_email</c>, <c>name+company</c>.</param>
/// <param name="RulesVersion">The version of the resolution rules that produced this result.</param>
/// <param name="Reason">Why the input was rejected or is ambiguous; null otherwise.</param>
/// <param name="Candidates">The matching persons when ambiguous; empty otherwise.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.PersonResolution")]
public sealed record PersonResolution(
    [property: Id(0)] int Index,
    [property: Id(1)] ResolutionStatus Status,
    [property: Id(2)] Guid? PersonId,
    [property: Id(3)] Guid? CompanyId,
    [property: Id(4)] double Confidence,
    [property: Id(5)] string Evidence,
    [property: Id(6)] string RulesVersion,
    [property: Id(7)] string? Reason,
    [property: Id(8)] IReadOnlyList<Guid> Candidates);
