namespace Alavida.Grains.Platform;

/// <summary>An action a component offers.</summary>
/// <param name="Name">Action name (the <c>{action}</c> of <c>/run/{action}</c>).</param>
/// <param name="Summary">One line on what it does.</param>
/// <param name="InputSchemaJson">JSON Schema (draft 2020-12) of the request body.</param>
/// <param name="OutputSchemaJson">JSON Schema of the job's result.</param>
/// <param name="Unit">What one billable unit is (e.g. <c>company</c>).</param>
/// <param name="PricePerUnit">Credits per unit.</param>
/// <param name="UnitsFrom">The input array whose length is the number of units (the estimate reserved at acceptance).</param>
/// <param name="Available">True when this deployment runs the action; false while its logic has not shipped.</param>
/// <param name="MaxRequestBytes">
/// The largest request body the action accepts, when it differs from the platform's (<c>Platform:MaxRequestBodyBytes</c>):
/// actions whose items are large (transcripts) raise it so that an item over its own limit is a 422 naming the field.
/// </param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.ActionDescriptor")]
public sealed record ActionDescriptor(
    [property: Id(0)] string Name,
    [property: Id(1)] string Summary,
    [property: Id(2)] string InputSchemaJson,
    [property: Id(3)] string OutputSchemaJson,
    [property: Id(4)] string Unit,
    [property: Id(5)] long PricePerUnit,
    [property: Id(6)] string UnitsFrom,
    [property: Id(7)] bool Available,
    [property: Id(8)] long? MaxRequestBytes = null);

/// <summary>A registry component (a quantum) at its latest version.</summary>
/// <param name="Slug">Kebab-case slug.</param>
/// <param name="Name">Display name.</param>
/// <param name="Kind"><c>deterministic</c>, <c>agentic</c> or <c>connector</c>.</param>
/// <param name="Version">Latest version.</param>
/// <param name="Description">What it does.</param>
/// <param name="Actions">Its actions.</param>
/// <param name="EventsConsumed">Events it listens to.</param>
/// <param name="EventsEmitted">Events it emits.</param>
/// <param name="DataEntities">Entities under <c>/{slug}/data/</c>.</param>
/// <param name="SkillSha256">Hex SHA-256 of its SKILL.md (for lockfiles).</param>
/// <param name="PublishedAt">When this version was published.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.ComponentDescriptor")]
public sealed record ComponentDescriptor(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Name,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Version,
    [property: Id(4)] string Description,
    [property: Id(5)] IReadOnlyList<ActionDescriptor> Actions,
    [property: Id(6)] IReadOnlyList<string> EventsConsumed,
    [property: Id(7)] IReadOnlyList<string> EventsEmitted,
    [property: Id(8)] IReadOnlyList<string> DataEntities,
    [property: Id(9)] string SkillSha256,
    [property: Id(10)] DateTimeOffset PublishedAt)
{
    /// <summary>The action with this name, or null.</summary>
    public ActionDescriptor? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);
}

/// <summary>The component registry (stateless: any silo answers from its cache of the registry tables).</summary>
[Alias("Alavida.Platform.IRegistryGrain")]
public interface IRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Components matching a free-text query (all when empty), by slug.</summary>
    [Alias("Search")]
    Task<IReadOnlyList<ComponentDescriptor>> SearchAsync(string? query);

    /// <summary>One component, or null.</summary>
    [Alias("Get")]
    Task<ComponentDescriptor?> GetAsync(string slug);

    /// <summary>A component's consumer SKILL.md, or null.</summary>
    [Alias("GetSkill")]
    Task<string?> GetSkillAsync(string slug);
}
