using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alavida.Api;

/// <summary>
/// Every error the gateway returns, as <c>application/problem+json</c> with a stable <c>type</c> and <c>title</c>; the
/// <c>trace_id</c> is added for all of them by the problem details service.
/// </summary>
public static class Problems
{
    private const string TypeBase = "https://docs.alavida.dev/problems/";

    public static ProblemHttpResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Problem(StatusCodes.Status400BadRequest, "bad-request", "Bad request", detail, extensions);

    public static ProblemHttpResult Invalid(string detail, IReadOnlyList<FieldError> errors, int status = StatusCodes.Status422UnprocessableEntity) =>
        Problem(status, "invalid-input", "Invalid input", detail, new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult NotFound(string detail, IDictionary<string, object?>? extensions = null) =>
        Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail, extensions);

    public static ProblemHttpResult InsufficientCredits(long balance, long required) =>
        Problem(StatusCodes.Status402PaymentRequired, "insufficient-credits", "Not enough credits",
            $"This request needs {required} credits and the team has {balance} available. Buy or be granted credits, or send fewer units.",
            new Dictionary<string, object?> { ["balance"] = balance, ["required"] = required });

    public static ProblemHttpResult Conflict(string detail, IDictionary<string, object?>? extensions = null) =>
        Problem(StatusCodes.Status409Conflict, "conflict", "Conflict", detail, extensions);

    public static ProblemHttpResult NotAvailable(string detail) =>
        Problem(StatusCodes.Status501NotImplemented, "not-available", "Not available on this deployment", detail);

    public static ProblemHttpResult Unauthorized(string detail) =>
        Problem(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        Problem(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    /// <summary>A request the server could not read (malformed, too large…), with the status it was refused with.</summary>
    public static ProblemHttpResult Request(int status, string detail) => status == StatusCodes.Status413PayloadTooLarge
        ? Problem(status, "payload-too-large", "Payload too large", detail)
        : Problem(status, "bad-request", "Bad request", detail);

    /// <summary>A dependency (the database, the cluster) is down for a moment: nothing was accepted, retry.</summary>
    public static ProblemHttpResult Unavailable(string detail) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "Dependency unavailable", detail);

    /// <summary>A feature this deployment has not been configured for (the detail names the settings).</summary>
    public static ProblemHttpResult NotConfigured(string detail) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "not-configured", "Not configured", detail);

    /// <summary>A service we call (Stripe) refused the request.</summary>
    public static ProblemHttpResult Upstream(string detail) =>
        Problem(StatusCodes.Status502BadGateway, "upstream-refused", "Upstream refused", detail);

    /// <summary>A failure of ours: logged, and answered without internals.</summary>
    public static ProblemHttpResult Internal() =>
        Problem(StatusCodes.Status500InternalServerError, "internal", "Internal error",
            "The request failed on our side and was logged. Quote the trace_id if you report it.");

    /// <summary>Echo user text in a problem's detail, but never a 10 KB wall of it.</summary>
    public static string Echo(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static ProblemHttpResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: TypeBase + type, extensions: extensions);
}

/// <summary>One invalid field: where (a JSON pointer into the request body or the parameter name) and why.</summary>
/// <param name="Field">JSON pointer (e.g. <c>/companies/3/domain</c>) or query parameter name.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record FieldError(string Field, string Message);
