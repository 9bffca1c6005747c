using System.Text.Json;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary><c>/registry</c>: the installable components, their contracts and consumer skills. Public.</summary>
public static class RegistryEndpoints
{
    public const int MaxQueryLength = 200;

    public static IEndpointRouteBuilder MapRegistryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/registry").WithTags("Registry");
        group.MapGet("/", SearchAsync).WithName("SearchRegistry").WithSummary("Search components (q: words that must all appear)");
        group.MapGet("/{slug}", GetAsync).WithName("GetComponent").WithSummary("A component: actions with input/output schemas, events, prices");
        group.MapGet("/{slug}/skill", SkillAsync).WithName("GetComponentSkill").WithSummary("A component's consumer SKILL.md").Produces<string>(200, "text/markdown");
        return app;
    }

    public static async Task<Results<Ok<ListResponse<ComponentSummary>>, ProblemHttpResult>> SearchAsync(IGrainFactory grains, string? q = null)
    {
        if (q is { Length: > MaxQueryLength })
        {
            return Problems.Invalid("The query is invalid.", [new FieldError("q", $"must be at most {MaxQueryLength} characters")]);
        }

        var found = await grains.GetGrain<IRegistryGrain>(0).SearchAsync(q);
        return TypedResults.Ok(new ListResponse<ComponentSummary>(found.Select(ComponentSummary.From).ToList(), null));
    }

    public static async Task<Results<Ok<ComponentDetail>, ProblemHttpResult>> GetAsync(string slug, IGrainFactory grains)
    {
        var component = await grains.GetGrain<IRegistryGrain>(0).GetAsync(slug);
        return component is null ? NotFound(slug) : TypedResults.Ok(ComponentDetail.From(component));
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> SkillAsync(string slug, IGrainFactory grains)
    {
        var skill = await grains.GetGrain<IRegistryGrain>(0).GetSkillAsync(slug);
        return skill is null ? NotFound(slug) : TypedResults.Text(skill, "text/markdown; charset=utf-8");
    }

    private static ProblemHttpResult NotFound(string slug) =>
        Problems.NotFound($"There is no component '{Problems.Echo(slug)}' in the registry. Components: {string.Join(", ", Quantums.All)}.");
}

/// <summary>A component in search results.</summary>
public sealed record ComponentSummary(string Slug, string Name, string Kind, string Version, string Description, IReadOnlyList<string> Actions, string SkillUrl)
{
    public static ComponentSummary From(ComponentDescriptor c) =>
        new(c.Slug, c.Name, c.Kind, c.Version, c.Description, c.Actions.Select(a => a.Name).ToList(), $"/registry/{c.Slug}/skill");
}

/// <summary>A component in full.</summary>
public sealed record ComponentDetail(
    string Slug, string Name, string Kind, string Version, string Description, IReadOnlyList<ActionDetail> Actions,
    ComponentEvents Events, IReadOnlyList<string> Data, string SkillUrl, string SkillSha256, DateTimeOffset PublishedAt)
{
    public static ComponentDetail From(ComponentDescriptor c) => new(
        c.Slug, c.Name, c.Kind, c.Version, c.Description, c.Actions.Select(ActionDetail.From).ToList(),
        new ComponentEvents(c.EventsConsumed, c.EventsEmitted), c.DataEntities, $"/registry/{c.Slug}/skill", c.SkillSha256, c.PublishedAt);
}

/// <summary>An action in full; <c>max_request_bytes</c> when the action accepts larger bodies than the platform's default.</summary>
public sealed record ActionDetail(
    string Name, string Summary, string Unit, long PricePerUnit, string UnitsFrom, bool Available, JsonElement InputSchema, JsonElement OutputSchema, long? MaxRequestBytes)
{
    public static ActionDetail From(ActionDescriptor a) => new(
        a.Name, a.Summary, a.Unit, a.PricePerUnit, a.UnitsFrom, a.Available,
        JsonDocument.Parse(a.InputSchemaJson).RootElement.Clone(), JsonDocument.Parse(a.OutputSchemaJson).RootElement.Clone(), a.MaxRequestBytes);
}

/// <summary>Events a component listens to and emits.</summary>
public sealed record ComponentEvents(IReadOnlyList<string> Consumes, IReadOnlyList<string> Emits);
