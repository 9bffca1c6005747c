namespace Alavida.Grains.Identity.Rules;

/// <summary>LinkedIn company (<c>/company/</c>) and profile (<c>/in/</c>) URLs to their canonical slug.</summary>
public static class LinkedInRules
{
    private const int MaxSlugLength = 100;

    /// <summary>The company slug of a LinkedIn company URL or a bare slug.</summary>
    public static Normalized<string> CompanySlug(string? input) => Slug(input, "company", "linkedin_url");

    /// <summary>The profile slug of a LinkedIn <c>/in/</c> URL or a bare slug.</summary>
    public static Normalized<string> PersonSlug(string? input) => Slug(input, "in", "linkedin_url");

    /// <summary>The canonical URL of a company slug.</summary>
    public static string CompanyUrl(string slug) => $"https://www.linkedin.com/company/{slug}";

    /// <summary>The canonical URL of a profile slug.</summary>
    public static string PersonUrl(string slug) => $"https://www.linkedin.com/in/{slug}";

    private static Normalized<string> Slug(string? input, string section, string field)
    {
        if (TextRules.Precheck(input, field) is { } problem)
        {
            return Normalized<string>.Reject(problem);
        }

        var text = input!.Trim();
        string candidate;
        if (!text.Contains('/'))
        {
            candidate = text;
        }
        else
        {
            var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text.TrimStart('/');
            if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri))
            {
                return Normalized<string>.Reject($"{field} is not a valid URL");
            }

            // linkedin.com, www., country (uk.) and mobile hosts; a path-only input ("/company/x") parses as host "company".
            var host = uri.Host.ToLowerInvariant();
            var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (host != "linkedin.com" && !host.EndsWith(".linkedin.com", StringComparison.Ordinal))
            {
                if (host != section || text.Contains("://", StringComparison.Ordinal))
                {
                    return Normalized<string>.Reject($"{field} is not a linkedin.com URL");
                }

                segments = [section, .. segments];
            }

            if (segments.Length < 2 || !string.Equals(segments[0], section, StringComparison.OrdinalIgnoreCase))
            {
                return Normalized<string>.Reject($"{field} is not a LinkedIn /{section}/ URL");
            }

            candidate = Uri.UnescapeDataString(segments[1]);
        }

        var slug = candidate.Trim().ToLowerInvariant();
        if (slug.Length is < 2 or > MaxSlugLength || !slug.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return Normalized<string>.Reject($"{field} has no valid LinkedIn slug");
        }

        return Normalized<string>.Ok(slug);
    }
}
