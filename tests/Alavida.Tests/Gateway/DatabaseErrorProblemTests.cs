using System.Net;
using System.Net.Http.Json;
using Serilog.Events;

namespace Alavida.Tests.Gateway;

/// <summary>
/// What a request answers when PostgreSQL refuses its statement: 503 "retry" only for a transient fault; invalid data
/// that got past the edge checks is the client's (422); anything else is ours (500). Never the database's own words.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DatabaseErrorProblemTests(GatewayFixture gateway)
{
    private const string Internals = "raised by the test trigger";

    [Theory]
    [InlineData("22021", HttpStatusCode.UnprocessableEntity)] // character_not_in_repertoire (a NUL in text)
    [InlineData("22P05", HttpStatusCode.UnprocessableEntity)] // untranslatable_character (\u0000 in jsonb)
    [InlineData("22003", HttpStatusCode.UnprocessableEntity)] // numeric_value_out_of_range
    [InlineData("23505", HttpStatusCode.InternalServerError)] // unique_violation: not the client's to fix
    [InlineData("42P01", HttpStatusCode.InternalServerError)] // undefined_table: a defect
    [InlineData("P0001", HttpStatusCode.InternalServerError)] // raise_exception
    [InlineData("40001", HttpStatusCode.ServiceUnavailable)]  // serialization_failure: transient
    [InlineData("57P03", HttpStatusCode.ServiceUnavailable)]  // cannot_connect_now: transient
    public async Task CreateTeam_TheDatabaseRefuses_IsAnsweredBySqlStateClass_WithoutInternals(string sqlState, HttpStatusCode status)
    {
        var name = $"refused-{Guid.NewGuid():N}";
        await using var trigger = await gateway.TriggerAsync("BEFORE INSERT", "teams", $"NEW.name = '{name}'",
            $"RAISE EXCEPTION '{Internals}' USING ERRCODE = '{sqlState}';");
        using var admin = gateway.Admin();

        var response = await admin.PostAsJsonAsync("/admin/teams", new { name, owner_email = $"{Guid.NewGuid():N}@example.com", credits = 5 });

        var problem = await response.AssertProblemAsync(status);
        Assert.DoesNotContain(Internals, problem.ToString());
        Assert.DoesNotContain(sqlState, problem.ToString());
        Assert.Equal(status == HttpStatusCode.ServiceUnavailable ? TimeSpan.FromSeconds(1) : null, response.Headers.RetryAfter?.Delta);
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM teams WHERE name = @name", ("name", name)));
        if (status == HttpStatusCode.InternalServerError)
        {
            // Logged before the answer was written, so it is there already (the wait only guards against a hang).
            var traceId = problem.GetProperty("trace_id").GetString();
            var logged = await gateway.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.Exception is not null && e.TraceId?.ToHexString() == traceId)
                .WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(Internals, logged.Exception!.Message);
        }
    }

    [Fact]
    public async Task Run_WhoseAcceptanceTheDatabaseRefusesAsInvalidData_Is422_AndAcceptsNothing()
    {
        var team = await gateway.CreateTeamAsync(10);
        await using var trigger = await gateway.TriggerAsync("BEFORE INSERT", "jobs", $"NEW.team_id = '{team.TeamId}'",
            $"RAISE EXCEPTION '{Internals}' USING ERRCODE = '22P05';");

        var response = await team.Http.PostAsJsonAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = "refused.example.com" } } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.DoesNotContain(Internals, problem.ToString());
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(10, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }
}
