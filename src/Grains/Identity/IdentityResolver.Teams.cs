namespace Alavida.Grains.Identity;

/// <summary>Identity as a team sees it: its own merges (ADR 0006), applied to results and made.</summary>
public sealed partial class IdentityResolver
{
    /// <summary>
    /// A team's merge (ADR 0006): only what that team sees changes. The ids are taken as the shared identities stand (a
    /// globally merged id means its survivor); the result names the ids the team asked for.
    /// </summary>
    public async Task<MergeResult> MergeForTeamAsync(Guid teamId, IdentityKind kind, Guid survivorId, Guid loserId)
    {
        async Task<Guid?> GlobalAsync(Guid id) => kind == IdentityKind.Company
            ? (await grains.GetGrain<ICompanyGrain>(id).GetAsync())?.Id
            : (await grains.GetGrain<IPersonGrain>(id).GetAsync())?.Id;

        if (await GlobalAsync(survivorId) is not { } survivor || await GlobalAsync(loserId) is not { } loser)
        {
            return new MergeResult(MergeStatus.Rejected, survivorId, loserId, "unknown id");
        }

        var result = survivor == loser
            ? new MergeResult(MergeStatus.AlreadyMerged, survivor, loser, null)
            : await teamMerges.MergeAsync(teamId, kind, survivor, loser, $"team:{teamId}");
        Log.TeamMerged(logger, IdentityKinds.Text(kind), loserId, survivorId, teamId, result.Status);
        if (result.Status == MergeStatus.Merged)
        {
            outbox.Nudge();
        }

        return result with { SurvivorId = survivorId, LoserId = loserId };
    }

    /// <summary>Company results with the team's merges applied: a loser becomes its survivor; candidates the team merged collapse.</summary>
    private async Task<IReadOnlyList<CompanyResolution>> AsSeenByAsync(Guid teamId, IReadOnlyList<CompanyResolution> results)
    {
        var overlay = await teamMerges.OverlayAsync(teamId, IdentityKind.Company);
        if (overlay.Count == 0)
        {
            return results;
        }

        return [.. results.Select(r =>
        {
            if (r.CompanyId is { } id)
            {
                return r with { CompanyId = TeamMerges.Map(overlay, id) };
            }

            var candidates = r.Candidates.Select(c => TeamMerges.Map(overlay, c)).Distinct().ToList();
            return r.Status == ResolutionStatus.Ambiguous && candidates.Count == 1
                ? CompanyResolved(r.Index, ResolutionStatus.Matched, candidates[0], r.Evidence) // the team said the namesakes are one
                : r with { Candidates = candidates };
        })];
    }

    private async Task<IReadOnlyList<PersonResolution>> AsSeenByAsync(Guid teamId, IReadOnlyList<PersonResolution> results)
    {
        var people = await teamMerges.OverlayAsync(teamId, IdentityKind.Person);
        var companyOverlay = await teamMerges.OverlayAsync(teamId, IdentityKind.Company);
        if (people.Count == 0 && companyOverlay.Count == 0)
        {
            return results;
        }

        return [.. results.Select(r => r with
        {
            PersonId = r.PersonId is { } id ? TeamMerges.Map(people, id) : null,
            CompanyId = r.CompanyId is { } company ? TeamMerges.Map(companyOverlay, company) : null,
            Candidates = [.. r.Candidates.Select(c => TeamMerges.Map(people, c)).Distinct()],
        })];
    }
}
