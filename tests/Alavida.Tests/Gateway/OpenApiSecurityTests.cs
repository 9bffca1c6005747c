using System.Text.Json;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class OpenApiSecurityTests(GatewayFixture gateway)
{
    private const string Header = "`Authorization: Bearer <api key>`";

    [Fact]
    public async Task OpenApi_DeclaresAnHttpBearerScheme_RequiredByTheOperationsThatTakeAKeyOnly()
    {
        using var anonymous = gateway.Client(null);

        var document = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        // In a code span: the reference page renders descriptions as Markdown, where a bare <api key> is an HTML tag and vanishes.
        Assert.Contains(Header, scheme.GetProperty("description").GetString());
        Assert.Contains(Header, document.GetProperty("info").GetProperty("description").GetString());
        Assert.Equal([("bearer", 0)], Requirements(document, "/credits", "get"));
        Assert.Equal([("bearer", 0)], Requirements(document, "/admin/teams", "post"));
        Assert.Equal([("bearer", 0)], Requirements(document, "/functions", "get"));
        Assert.Empty(Requirements(document, "/registry", "get"));
    }

    /// <summary>The security schemes an operation requires, with how many scopes each.</summary>
    private static IReadOnlyList<(string Scheme, int Scopes)> Requirements(JsonElement document, string path, string method) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method).TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(r => r.EnumerateObject()).Select(s => (s.Name, s.Value.GetArrayLength())).ToList()
            : [];
}
