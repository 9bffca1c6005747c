using System.Collections.Concurrent;
using System.Text.Json;

namespace Alavida.Tests.Gateway;

/// <summary>
/// The whole API against bad input generated from its own OpenAPI document (see <see cref="BadInputCases"/>), sent over
/// real HTTP: every answer is a success or a 4xx problem (application/problem+json with its status), never a 5xx and
/// never a bare error.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BadInputSweepTests(GatewayFixture gateway)
{
    private const int Concurrency = 8;

    [Fact]
    public async Task EveryOperation_AnswersBadInput_WithA4xxProblem_NeverA5xxOrABareError()
    {
        // No credits: a body that passes every check gets a 402 problem instead of starting work (and cascades) that
        // would only slow the sweep and the tests beside it. The admin routes act on a team of their own.
        var team = await gateway.CreateTeamAsync(0);
        var target = await gateway.CreateTeamAsync(0);
        using var admin = gateway.Admin();
        using var anonymous = gateway.Client(null);
        var openApi = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var actions = await ActionSchemasAsync(anonymous);
        var operations = new BadInputCases(openApi, actions, target.TeamId).Operations().ToList();
        var cases = operations.SelectMany(o => o.Cases).ToList();

        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (c, cancellation) =>
        {
            var http = c.Caller switch { Caller.Team => team.Http, Caller.Admin => admin, _ => anonymous };
            if (await CheckAsync(http, c, cancellation) is { } failure)
            {
                failures.Add(failure);
            }
        });

        // The sweep covers what it claims: every operation of the document, and every action the registry runs.
        Assert.DoesNotContain(operations, o => o.Cases.Count == 0);
        Assert.Equal(10, actions.Count); // every action of the six quantums
        Assert.Contains(operations, o => o.Operation == "POST /admin/teams" && o.Cases.Count > 40);
        Assert.Contains(operations, o => o.Operation == "POST /events" && o.Cases.Count > 40);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} bad requests were not answered with a 4xx problem:\n{string.Join("\n", failures.Order().Take(40))}");
    }

    private static async Task<string?> CheckAsync(HttpClient http, BadCase c, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(c.Method, c.Url);
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            if (c.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            // A body over the limit is refused from its Content-Length: the client waits for that answer before sending it.
            request.Headers.ExpectContinue = c.Body.Length > 1024 * 1024;
        }

        using var response = await http.SendAsync(request, cancellation);
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellation);
        var problem = status < 500 && response.Content.Headers.ContentType?.MediaType == "application/problem+json" && ProblemStatus(text) == status;
        return problem ? null : $"{c.Operation} [{c.What}] {c.Method} {Short(c.Url)} → {status} {response.Content.Headers.ContentType}: {Short(text)}";
    }

    private static int? ProblemStatus(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The input schema of every action the registry runs, by quantum and action (their bodies' contract).</summary>
    private static async Task<Dictionary<(string, string), JsonElement>> ActionSchemasAsync(HttpClient http)
    {
        var schemas = new Dictionary<(string, string), JsonElement>();
        foreach (var component in (await (await http.GetAsync("/registry")).ReadJsonAsync()).GetProperty("items").EnumerateArray())
        {
            var slug = component.GetProperty("slug").GetString()!;
            foreach (var action in (await (await http.GetAsync($"/registry/{slug}")).ReadJsonAsync()).GetProperty("actions").EnumerateArray())
            {
                if (action.GetProperty("available").GetBoolean())
                {
                    schemas[(slug, action.GetProperty("name").GetString()!)] = action.GetProperty("input_schema");
                }
            }
        }

        return schemas;
    }

    private static string Short(string text) => text.Length > 160 ? text[..160] + "…" : text;
}
