using System.Net;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class RegistryTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Registry_ListsTheSixComponents_SeededByTheMigration()
    {
        using var anonymous = gateway.Client(null);

        var page = await (await anonymous.GetAsync("/registry")).ReadJsonAsync();

        var slugs = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("slug").GetString()).ToList();
        Assert.Equal(Quantums.All.Order(), slugs.Order());
        Assert.Equal(6L, await gateway.ScalarAsync<long>("SELECT count(*) FROM registry_versions"));
    }

    [Fact]
    public async Task Search_FindsComponentsByWordsInTheirContract()
    {
        using var anonymous = gateway.Client(null);

        var found = await (await anonymous.GetAsync("/registry?q=signal")).ReadJsonAsync();
        var none = await (await anonymous.GetAsync("/registry?q=zzzz-no-such-thing")).ReadJsonAsync();

        Assert.Contains(found.GetProperty("items").EnumerateArray(), c => c.GetProperty("slug").GetString() == "buying-signals");
        Assert.Empty(none.GetProperty("items").EnumerateArray());
        await (await anonymous.GetAsync($"/registry?q={new string('a', 201)}")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("icp-discovery")]
    [InlineData("lead-discovery")]
    [InlineData("buying-signals")]
    [InlineData("meeting-sync")]
    [InlineData("meeting-analysis")]
    public async Task Component_HasActionsWithSchemasPricesAndASkill(string slug)
    {
        using var anonymous = gateway.Client(null);

        var component = await (await anonymous.GetAsync($"/registry/{slug}")).ReadJsonAsync();
        var skill = await anonymous.GetAsync($"/registry/{slug}/skill");
        var markdown = await skill.Content.ReadAsStringAsync();

        Assert.Equal(slug, component.GetProperty("slug").GetString());
        Assert.Contains(component.GetProperty("kind").GetString(), new[] { "deterministic", "agentic", "connector" });
        Assert.NotEmpty(component.GetProperty("actions").EnumerateArray());
        Assert.All(component.GetProperty("actions").EnumerateArray(), a =>
        {
            Assert.Equal("object", a.GetProperty("input_schema").GetProperty("type").GetString());
            Assert.True(a.GetProperty("price_per_unit").GetInt64() >= 0);
        });
        Assert.Equal("text/markdown", skill.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("---", markdown);
        Assert.Contains($"name: {slug}", markdown);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(markdown))),
            component.GetProperty("skill_sha256").GetString());
    }

    [Theory]
    [InlineData("/registry/nope")]
    [InlineData("/registry/nope/skill")]
    [InlineData("/registry/%27%3B%20DROP%20TABLE%20registry_components%3B%20--")]
    public async Task UnknownComponent_Is404Problem(string path)
    {
        using var anonymous = gateway.Client(null);

        await (await anonymous.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(6L, await gateway.ScalarAsync<long>("SELECT count(*) FROM registry_components"));
    }

    [Fact]
    public async Task OpenApi_DescribesTheGateway_AndTheReferencePageServes()
    {
        using var anonymous = gateway.Client(null);

        var document = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var reference = await anonymous.GetAsync("/reference");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/{quantum}/run/{action}", paths);
        Assert.Contains("/jobs/{id}", paths);
        Assert.Contains("/credits/usage", paths);
        Assert.Contains("/registry/{slug}/skill", paths);
        Assert.Contains("/admin/teams", paths);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("openapi/v1.json", await reference.Content.ReadAsStringAsync());
    }
}
