namespace Alavida.Grains.Webhooks;

/// <summary>What an endpoint may be: its URL, its event names and prefixes, its description.</summary>
public static class WebhookRules
{
    public const int MaxUrlLength = 2048;
    public const int MaxEvents = 50;
    public const int MaxEventLength = 256;
    public const int MaxDescriptionLength = 500;

    /// <summary>Job lifecycle events, written when a job settles.</summary>
    public static readonly IReadOnlyList<string> JobEvents = ["job.succeeded", "job.failed", "job.cancelled"];

    /// <summary>The delivery requests of the webhooks module itself: never delivered (a subscription to them would feed itself).</summary>
    public const string InternalPrefix = "webhook/delivery.";

    /// <summary>True when a name or prefix (<c>meeting/*</c>, <c>*</c>) covers <paramref name="eventName"/>.</summary>
    public static bool Covers(string pattern, string eventName) =>
        pattern.EndsWith('*') ? eventName.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal) : pattern == eventName;

    /// <summary>True when an event may be delivered at all (the module's own requests never are).</summary>
    public static bool Deliverable(string eventName) => !eventName.StartsWith(InternalPrefix, StringComparison.Ordinal);

    /// <summary>Problems with a URL's form (the address rule is checked by resolving it: <see cref="WebhookAddresses"/>).</summary>
    public static string? UrlProblem(string? url, bool allowPrivate, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "is required";
        }

        if (url.Length > MaxUrlLength)
        {
            return $"must be at most {MaxUrlLength} characters";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http") || string.IsNullOrEmpty(parsed.Host))
        {
            return "must be an absolute https URL";
        }

        if (parsed.Scheme == "http" && !allowPrivate)
        {
            return "must use https (http is allowed only with Webhooks:AllowPrivateNetworks)";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "must not carry a user name or password";
        }

        if (!string.IsNullOrEmpty(parsed.Fragment))
        {
            return "must not have a fragment";
        }

        uri = parsed;
        return null;
    }

    /// <summary>Problems with the event list, each with its JSON pointer.</summary>
    public static IEnumerable<WebhookFieldError> EventProblems(IReadOnlyList<string>? events)
    {
        if (events is not { Count: > 0 })
        {
            yield return new("/events", $"must list 1 to {MaxEvents} event names or prefixes ending in '*' (e.g. job.succeeded, meeting/*)");
            yield break;
        }

        if (events.Count > MaxEvents)
        {
            yield return new("/events", $"must list at most {MaxEvents} event names or prefixes");
            yield break;
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var problem =
                string.IsNullOrEmpty(e) || e.Length > MaxEventLength || e.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
                    ? $"must be 1 to {MaxEventLength} characters without spaces"
                : e.IndexOf('*') is var star && star >= 0 && star != e.Length - 1 ? "may have '*' only at its end (a prefix)"
                : !Deliverable(e) ? $"names the webhooks module's own requests ({InternalPrefix}…), which are never delivered"
                : events.Take(i).Contains(e, StringComparer.Ordinal) ? "is listed twice"
                : null;
            if (problem is not null)
            {
                yield return new($"/events/{i}", problem);
            }
        }
    }

    /// <summary>The problem with a description, or null.</summary>
    public static string? DescriptionProblem(string? description) =>
        description is { Length: > MaxDescriptionLength } ? $"must be at most {MaxDescriptionLength} characters" : null;
}
