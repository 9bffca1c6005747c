using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Grains.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>/identity/data/companies</c> and <c>/identity/data/persons</c>: the entities the caller's team resolved. A merged
/// id answers with the survivor and <c>merged_into</c>; an entity the team never resolved is a 404.
/// </summary>
public static class IdentityDataEndpoints
{
    public static IEndpointRouteBuilder MapIdentityDataEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/identity/data").WithTags("Identity").RequireAuthorization(AuthPolicies.Team);
        group.MapGet("/companies", FindCompaniesAsync).WithName("ListCompanies").WithSummary("The team's companies (filters: domain, linkedin, job_id)");
        group.MapGet("/companies/{id}", GetCompanyAsync).WithName("GetCompany").WithSummary("A company by id (merged ids resolve to the survivor)");
        group.MapGet("/persons", FindPersonsAsync).WithName("ListPersons").WithSummary("The team's persons (filters: email, linkedin, company_id, job_id)");
        group.MapGet("/persons/{id}", GetPersonAsync).WithName("GetPerson").WithSummary("A person by id (merged ids resolve to the survivor)");
        return app;
    }

    public static async Task<Results<Ok<ListResponse<CompanyResponse>>, ProblemHttpResult>> FindCompaniesAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? domain = null, string? linkedin = null, string? job_id = null)
    {
        var list = ListQuery.Parse(request);
        var job = list.ParseId("job_id", job_id);
        CheckLength(list, "domain", domain);
        CheckLength(list, "linkedin", linkedin);
        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IIdentityDataGrain>(0).FindCompaniesAsync(
            new IdentityQuery(user.TeamId(), domain, linkedin, null, null, job, list.Limit, list.Cursor));
        return TypedResults.Ok(new ListResponse<CompanyResponse>(page.Items.Select(CompanyResponse.From).ToList(), page.NextCursor));
    }

    public static async Task<Results<Ok<CompanyResponse>, ProblemHttpResult>> GetCompanyAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var companyId))
        {
            return Problems.BadRequest("The company id must be a UUID, as returned in company_id.");
        }

        var view = await grains.GetGrain<IIdentityDataGrain>(0).GetCompanyAsync(user.TeamId(), companyId);
        return view is null ? Problems.NotFound($"Your team has no company {companyId}.") : TypedResults.Ok(CompanyResponse.From(view));
    }

    public static async Task<Results<Ok<ListResponse<PersonResponse>>, ProblemHttpResult>> FindPersonsAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        string? email = null, string? linkedin = null, string? company_id = null, string? job_id = null)
    {
        var list = ListQuery.Parse(request);
        var job = list.ParseId("job_id", job_id);
        var company = list.ParseId("company_id", company_id);
        CheckLength(list, "email", email);
        CheckLength(list, "linkedin", linkedin);
        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IIdentityDataGrain>(0).FindPersonsAsync(
            new IdentityQuery(user.TeamId(), null, linkedin, email, company, job, list.Limit, list.Cursor));
        return TypedResults.Ok(new ListResponse<PersonResponse>(page.Items.Select(PersonResponse.From).ToList(), page.NextCursor));
    }

    public static async Task<Results<Ok<PersonResponse>, ProblemHttpResult>> GetPersonAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var personId))
        {
            return Problems.BadRequest("The person id must be a UUID, as returned in person_id.");
        }

        var view = await grains.GetGrain<IIdentityDataGrain>(0).GetPersonAsync(user.TeamId(), personId);
        return view is null ? Problems.NotFound($"Your team has no person {personId}.") : TypedResults.Ok(PersonResponse.From(view));
    }

    private static void CheckLength(ListQuery list, string field, string? value)
    {
        if (value is { Length: 0 or > 2048 })
        {
            list.AddError(field, "must be 1 to 2048 characters");
        }
    }
}

/// <summary>A company as <c>/identity/data</c> shows it (provenance stays internal: it names other teams' jobs).</summary>
public sealed record CompanyResponse(
    Guid CompanyId, Guid RequestedId, Guid? MergedInto, string? DisplayName, string? LegalForm, IReadOnlyList<string> Domains,
    string? LinkedinSlug, string? Country, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CompanyResponse From(CompanyView v) =>
        new(v.Id, v.RequestedId, v.MergedInto, v.DisplayName, v.LegalForm, v.Domains, v.LinkedInSlug, v.Country, v.CreatedAt, v.UpdatedAt);
}

/// <summary>A person as <c>/identity/data</c> shows it.</summary>
public sealed record PersonResponse(
    Guid PersonId, Guid RequestedId, Guid? MergedInto, string? FullName, string? GivenName, string? FamilyName, IReadOnlyList<string> Emails,
    string? LinkedinSlug, Guid? CurrentCompanyId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static PersonResponse From(PersonView v) =>
        new(v.Id, v.RequestedId, v.MergedInto, v.FullName, v.GivenName, v.FamilyName, v.Emails, v.LinkedInSlug, v.CurrentCompanyId, v.CreatedAt, v.UpdatedAt);
}
