using System.Text.Json;
using Alavida.Mcp;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Mcp;

/// <summary>
/// Answers over the cap (<see cref="ToolOutput.MaxCharacters"/>): a list comes back shorter with the API's next_cursor,
/// which continues exactly after the last item shown; a document comes back in windows whose chars:N cursors read it
/// whole. Checked on one real job of 100 companies with long names (its data and its job JSON are both over the cap).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class McpCapTests(GatewayFixture gateway)
{
    private const int Companies = 100;

    [Fact]
    public async Task LongAnswers_AreCutUnderTheCap_AndTheirCursorsReadEverythingOnce()
    {
        var team = await gateway.CreateTeamAsync(Companies);
        var run = Guid.NewGuid().ToString("N");
        var companies = Enumerable.Range(0, Companies).Select(i => new { domain = $"cap-{run}-{i}.com", name = $"Company {i} {new string('x', 480)}" });
        var job = await team.RunToSuccessAsync("/identity/run/resolve-company", new { companies });
        var jobId = job.GetProperty("job_id").GetString()!;
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        // The list: pages shortened to fit, each with a note, following next_cursor to the end.
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var result = await mcp.CallAsync("query_data", new { quantum = "identity", entity = "companies", filters = new { job_id = jobId }, limit = 100, cursor });
            Assert.True(result.Text().Length <= ToolOutput.MaxCharacters, $"{result.Text().Length} characters");
            var page = result.Json();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("company_id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            if (cursor is not null)
            {
                Assert.Contains("Shortened to", page.GetProperty("note").GetString());
            }

            pages++;
        }
        while (cursor is not null);

        Assert.True(pages > 1, "the data of 100 long-named companies is over the cap: more than one page");
        Assert.Equal(Companies, seen.Count);
        Assert.Equal(Companies, seen.Distinct().Count());

        // The document: windows under the cap whose cursors read the job's JSON exactly as the API answers it.
        var whole = await (await team.Http.GetAsync($"/jobs/{jobId}")).Content.ReadAsStringAsync();
        Assert.True(whole.Length > ToolOutput.MaxCharacters);
        var read = new System.Text.StringBuilder();
        string? chars = null;
        while (true)
        {
            var window = await mcp.CallAsync("get_job", new { job_id = jobId, cursor = chars });
            Assert.True(window.IsError is not true, window.Text()[..Math.Min(500, window.Text().Length)]);
            Assert.True(window.Text().Length <= ToolOutput.MaxCharacters, $"{window.Text().Length} characters");
            var blocks = window.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().ToList();
            read.Append(blocks[0].Text);
            var next = System.Text.RegularExpressions.Regex.Match(blocks[^1].Text, "cursor \"(chars:[0-9]+)\"");
            if (!next.Success)
            {
                Assert.Contains("the end", blocks[^1].Text);
                break;
            }

            chars = next.Groups[1].Value;
        }

        Assert.Equal(whole, read.ToString());
        Assert.True(JsonDocument.Parse(read.ToString()).RootElement.GetProperty("result").GetProperty("results").GetArrayLength() == Companies);

        var past = await mcp.CallAsync("get_job", new { job_id = jobId, cursor = $"chars:{whole.Length}" });
        Assert.True(past.IsError);
        Assert.Contains("past the end", past.Text());
    }
}
