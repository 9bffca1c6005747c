using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains;
using Alavida.Api.Auth;
using Alavida.Api.Validation;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Alavida.Api.Endpoints;

/// <summary>The quantum contract: <c>POST /{quantum}/run/{action}</c>, <c>GET /{quantum}/health</c>, <c>/{quantum}/data/…</c>.</summary>
public static partial class QuantumEndpoints
{
    private const string MaxCreditsField = "max_credits";

    public static IEndpointRouteBuilder MapQuantumEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/{quantum}").WithTags("Quantums");
        group.MapPost("/run/{action}", RunAsync)
            .RequireAuthorization(AuthPolicies.Team)
            .WithName("RunAction")
            .WithSummary("Start an action as an async job")
            .WithDescription("Validates the body against the action's input schema, reserves its estimated credits and returns 202 with the job. " +
                             "Send Idempotency-Key to make retries safe for 24 h; add max_credits to cap the spend of the whole cascade.")
            .Accepts<JsonElement>("application/json");
        group.MapGet("/health", HealthAsync).WithName("QuantumHealth").WithSummary("A quantum's health and which actions run here");
        group.MapGet("/data/{**path}", UnknownData).RequireAuthorization(AuthPolicies.Team).WithName("QuantumData").WithSummary("A quantum's data (per entity)");
        return app;
    }

    public static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> RunAsync(
        string quantum, string action, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, RegistryLookup registry,
        InputValidator validator, TeamAcceptanceBatcher acceptances, ILoggerFactory loggers)
    {
        var component = await registry.GetAsync(quantum);
        if (component is null)
        {
            return UnknownQuantum(quantum);
        }

        var descriptor = component.FindAction(action);
        if (descriptor is null)
        {
            return Problems.NotFound($"Quantum '{quantum}' has no action '{Problems.Echo(action)}'. Actions: {string.Join(", ", component.Actions.Select(a => a.Name))}.");
        }

        if (!descriptor.Available)
        {
            return Problems.NotAvailable($"{quantum}/{action} is declared in the registry but its logic has not shipped on this deployment yet.");
        }

        if (descriptor.MaxRequestBytes is { } maxBody && request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // Before the body is read: an action with large items (transcripts) takes larger bodies, so that an item over
            // its own limit is a 422 naming the field rather than a 413 for the whole request.
            bodyLimit.MaxRequestBodySize = maxBody;
        }

        var (idempotencyKey, keyProblem) = IdempotencyKeyHeader.Read(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }

        var (parsed, bodyProblem) = await JsonBody.ParseAsync(request);
        if (parsed is null)
        {
            return bodyProblem!;
        }

        using var document = parsed;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problems.BadRequest($"The body must be a JSON object, not {JsonBody.Kind(document.RootElement)}.");
        }

        return await SubmitAsync(component, descriptor, document.RootElement, idempotencyKey, user, grains, validator, acceptances,
            loggers.CreateLogger(typeof(QuantumEndpoints)), request.HttpContext.Response);
    }

    /// <summary>
    /// Validates a run's body (the action's input, with <c>max_credits</c>), reserves its estimate and starts the job: what
    /// <c>POST /{quantum}/run/{action}</c> and the dashboard's Try-it form both do.
    /// </summary>
    public static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> SubmitAsync(
        ComponentDescriptor component, ActionDescriptor descriptor, JsonElement body, string? idempotencyKey, ClaimsPrincipal user,
        IGrainFactory grains, InputValidator validator, TeamAcceptanceBatcher acceptances, ILogger logger, HttpResponse? response)
    {
        var (quantum, action) = (component.Slug, descriptor.Name);
        // Values the platform cannot keep first: the schema validator itself throws on some of them.
        var unkeepable = JsonInput.Check(body, NumberRange.Decimal);
        if (unkeepable.Count > 0)
        {
            return Problems.Invalid("The body has values that cannot be kept; nothing was accepted.", unkeepable);
        }

        if (!TryTakeMaxCredits(body, out var input, out var maxCredits))
        {
            return Problems.Invalid("The request is invalid.", [new FieldError($"/{MaxCreditsField}", "must be a whole number of credits, 0 or more")]);
        }

        var errors = validator.Validate(component, descriptor, input, alsoAllowed: [MaxCreditsField]);
        if (errors.Count > 0)
        {
            return Problems.Invalid($"The input does not match the schema of {quantum}/{action}.", errors);
        }

        var units = input.TryGetProperty(descriptor.UnitsFrom, out var unitArray) && unitArray.ValueKind == JsonValueKind.Array ? unitArray.GetArrayLength() : 1;
        var estimate = units * descriptor.PricePerUnit;
        if (estimate > maxCredits)
        {
            // A cap below the job's own price would make the job work for free: the cap is for the cascade it starts.
            return Problems.Invalid("The request is invalid.", [new FieldError($"/{MaxCreditsField}",
                $"must cover this request's own cost: up to {estimate} credits ({units} {descriptor.UnitsFrom} × {descriptor.PricePerUnit}); items not billed are refunded")]);
        }

        var inputJson = input.GetRawText();
        var teamId = user.TeamId();
        var submission = new JobSubmission(
            Guid.CreateVersion7(), teamId, user.KeyId(), quantum, action, inputJson, estimate, maxCredits,
            idempotencyKey, idempotencyKey is null ? null : RequestHash(quantum, action, input, maxCredits), descriptor.PricePerUnit);

        var acceptance = await acceptances.AcceptAsync(submission);
        switch (acceptance.Outcome)
        {
            case AcceptanceOutcome.InsufficientCredits:
                return Problems.InsufficientCredits(acceptance.Balance, acceptance.Required);
            case AcceptanceOutcome.KeyConflict:
                return Problems.Conflict("This Idempotency-Key was used in the last 24 hours for a different request.",
                    new Dictionary<string, object?> { ["job_id"] = acceptance.JobId });
            case AcceptanceOutcome.Replayed:
                // The earlier job, as it stands now.
                var earlier = await grains.GetGrain<IJobGrain>(acceptance.JobId).GetAsync()
                    ?? throw new InvalidOperationException($"Replayed job {acceptance.JobId} could not be read back.");
                response?.Headers["Idempotent-Replayed"] = "true";
                return Accepted(earlier.JobId, earlier.Quantum, earlier.Action, earlier.Status);
            default:
                Activity.Current?.SetTag("alavida.job_id", acceptance.JobId);
                try
                {
                    // One way: the job runs while the caller gets its 202.
                    await grains.GrainOf<IJobGrain>(acceptance.JobId).RunAsync(
                        acceptance.CreatedAt is { } createdAt ? new AcceptedJob(submission, createdAt) : null);
                }
                catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
                {
                    // The job is accepted and stored: the caller gets its 202, and the reconciler (or the recovery
                    // from a silo's death) runs it.
                    Log.DispatchFailed(logger, ex, acceptance.JobId);
                }

                return Accepted(submission.JobId, quantum, action, JobStatus.Queued);
        }
    }

    private static Accepted<RunAccepted> Accepted(Guid jobId, string quantum, string action, JobStatus status)
    {
        var statusUrl = $"/jobs/{jobId}";
        return TypedResults.Accepted(statusUrl, new RunAccepted(jobId, JobView.TraceIdOf(jobId), quantum, action, status.ToString().ToLowerInvariant(), statusUrl));
    }

    public static async Task<Results<Ok<QuantumHealth>, ProblemHttpResult>> HealthAsync(string quantum, RegistryLookup registry, TimeProvider time)
    {
        var component = await registry.GetAsync(quantum);
        if (component is null)
        {
            return UnknownQuantum(quantum);
        }

        var actions = component.Actions.Select(a => new ActionHealth(a.Name, a.Available)).ToList();
        return TypedResults.Ok(new QuantumHealth(component.Slug, component.Version, HealthOf(component), time.GetUtcNow(), actions));
    }

    /// <summary>A quantum's health: <c>ok</c> when this deployment runs at least one of its actions, else <c>not_available</c>.</summary>
    public static string HealthOf(ComponentDescriptor component) => component.Actions.Any(a => a.Available) ? "ok" : "not_available";

    /// <summary>Quantums map their own data routes (literal routes win); anything that reaches here is unknown.</summary>
    public static async Task<ProblemHttpResult> UnknownData(string quantum, string? path, RegistryLookup registry)
    {
        var component = await registry.GetAsync(quantum);
        if (component is null)
        {
            return UnknownQuantum(quantum);
        }

        var entity = (path ?? "").Split('/')[0];
        return component.DataEntities.Contains(entity)
            ? Problems.NotAvailable($"{quantum} data '{entity}' is declared in the registry but has not shipped on this deployment yet.")
            : Problems.NotFound($"Quantum '{quantum}' has no data entity '{Problems.Echo(entity)}'. Entities: {string.Join(", ", component.DataEntities)}.");
    }

    private static ProblemHttpResult UnknownQuantum(string quantum) =>
        Problems.NotFound($"There is no quantum '{Problems.Echo(quantum)}'. Quantums: {string.Join(", ", Quantums.All)}.");

    /// <summary>
    /// Splits <c>max_credits</c> (ours) from the action's input; the body is the input as is when it has none (the
    /// usual case: no copy of the document).
    /// </summary>
    private static bool TryTakeMaxCredits(JsonElement body, out JsonElement input, out long? maxCredits)
    {
        (input, maxCredits) = (body, null);
        if (!body.TryGetProperty(MaxCreditsField, out var cap))
        {
            return true;
        }

        var rest = JsonObject.Create(body)!;
        rest.Remove(MaxCreditsField);
        input = JsonSerializer.SerializeToElement(rest);
        if (cap.ValueKind == JsonValueKind.Number && cap.TryGetInt64(out var credits) && credits >= 0)
        {
            maxCredits = credits;
            return true;
        }

        return false;
    }

    /// <summary>What tells a replay from another request under the same Idempotency-Key: the input written compactly, so
    /// the body's layout does not count.</summary>
    private static string RequestHash(string quantum, string action, JsonElement input, long? maxCredits) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{quantum}\n{action}\n{maxCredits}\n{JsonSerializer.Serialize(input)}")));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Job {JobId} was accepted but could not be handed to its grain; it runs when it is dispatched again")]
        public static partial void DispatchFailed(ILogger logger, Exception exception, Guid jobId);
    }
}
