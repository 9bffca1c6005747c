using System.Text;
using System.Text.Json;
using Alavida.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>A tool's input cannot be used; the message names the argument and what to send instead.</summary>
public sealed class ToolInputException(string message) : Exception(message);

/// <summary>
/// Every failure of a tool as an MCP tool error (<c>isError: true</c>) a model can act on: the platform's ProblemDetails
/// (status, detail, each field error, trace id), an unreachable platform, a refused install, bad arguments. Only
/// protocol faults (an unknown tool) stay protocol errors; nothing here ends the server.
/// </summary>
public static class ToolErrors
{
    /// <summary>The call-tool filter that turns exceptions into tool errors.</summary>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (AlavidaApiException e)
            {
                return Error(Describe(e));
            }
            catch (Exception e) when (e is AlavidaConnectionException or SkillInstallException or ToolInputException)
            {
                return Error(e.Message);
            }
            catch (Exception e) when (e is ArgumentException or JsonException)
            {
                // The SDK's binding of the arguments to the tool's parameters (a missing or mistyped argument).
                return Error($"The arguments do not fit {request.Params?.Name}'s input schema: {Bare(e)}");
            }
        };

    /// <summary>One ProblemDetails as text: the detail and status, each field error on a line, the trace id, and what to do for the statuses that have a next step.</summary>
    public static string Describe(AlavidaApiException e)
    {
        var text = new StringBuilder($"{(e.Detail ?? e.Title).TrimEnd('.')}. (HTTP {e.Status} {e.Title})");
        foreach (var field in e.Errors)
        {
            text.Append($"\n- {(field.Field.Length == 0 ? "(body)" : field.Field)}: {field.Message}");
        }

        var hint = e.Status switch
        {
            401 => "The API key is missing, unknown or revoked: sign in with 'alavida auth login' (stdio) or send 'Authorization: Bearer <api key>' (HTTP).",
            402 => "The team has too few credits: see get_credits, or lower the work (fewer items, max_credits).",
            429 => $"Rate limited: retry in {e.RetryAfter?.TotalSeconds ?? 1:0} s.",
            503 => "The platform is briefly unavailable and accepted nothing: retry (with the same idempotency_key for a run).",
            _ => null,
        };
        if (hint is not null)
        {
            text.Append('\n').Append(hint);
        }

        if (e.TraceId is not null)
        {
            text.Append($"\ntrace_id: {e.TraceId}");
        }

        return text.ToString();
    }

    /// <summary>The message without the "(Parameter 'x')" suffix the runtime adds (a bare resource key where resources are trimmed).</summary>
    private static string Bare(Exception e)
    {
        var suffix = e is ArgumentException { ParamName: { } name } ? new ArgumentException("", name).Message : "";
        return suffix.Length > 0 && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    public static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
