using System.Collections.Frozen;
using System.Net;

namespace Alavida.Grains.Identity.Rules;

/// <summary>Domains and URLs to a company's registrable domain (see <c>docs/identity.md</c>).</summary>
public static class DomainRules
{
    private static readonly Lazy<FrozenSet<string>> FreeMail = new(() => RuleData.Set("free_mail_domains.txt"));
    private static readonly Lazy<FrozenSet<string>> Disposable = new(() => RuleData.Set("disposable_domains.txt.gz"));
    private static readonly Lazy<FrozenSet<string>> Social = new(() => RuleData.Set("social_hosts.txt"));

    /// <summary>Whether the registrable domain belongs to a consumer mail provider.</summary>
    public static bool IsFreeMail(string registrableDomain) => FreeMail.Value.Contains(registrableDomain);

    /// <summary>Whether the domain (or its registrable domain) is a disposable mail domain.</summary>
    public static bool IsDisposable(string host, string registrableDomain) =>
        Disposable.Value.Contains(host) || Disposable.Value.Contains(registrableDomain);

    /// <summary>Whether the registrable domain is a social network, shortener or link-in-bio host.</summary>
    public static bool IsSocial(string registrableDomain) => Social.Value.Contains(registrableDomain);

    /// <summary>Loads the lists now rather than on the first resolution.</summary>
    public static void Warm() => _ = (PublicSuffixList.Default, FreeMail.Value, Disposable.Value, Social.Value);

    /// <summary>
    /// A domain, host or URL (any scheme, path, port, user info; Unicode or punycode) to its lowercase punycoded host
    /// without a trailing dot, or a rejection.
    /// </summary>
    public static Normalized<string> Host(string? input)
    {
        if (TextRules.Precheck(input, "domain") is { } problem)
        {
            return Normalized<string>.Reject(problem);
        }

        var text = input!.Trim();
        if (text.Any(char.IsWhiteSpace))
        {
            return Normalized<string>.Reject("domain contains whitespace");
        }

        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text.TrimStart('/');
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return Normalized<string>.Reject("domain is not a valid host or URL");
        }

        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || IPAddress.TryParse(uri.Host, out _))
        {
            return Normalized<string>.Reject("domain is an IP address");
        }

        string host;
        try
        {
            host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException or InvalidOperationException)
        {
            return Normalized<string>.Reject("domain is not a valid internationalized name");
        }

        if (host.Length is 0 or > 253 || !host.Contains('.') || host.Split('.').Any(l => l.Length is 0 or > 63))
        {
            return Normalized<string>.Reject("domain is not a valid host name");
        }

        return Normalized<string>.Ok(host);
    }

    /// <summary>The registrable domain of a host (public suffix + one label), or a rejection.</summary>
    public static Normalized<string> Registrable(string asciiHost)
    {
        var list = PublicSuffixList.Default;
        if (!list.IsKnownTopLevel(asciiHost))
        {
            return Normalized<string>.Reject("domain has an unknown top-level domain");
        }

        // www./m. are always below the registrable domain unless the host is a suffix itself, so the PSL strips them.
        return list.RegistrableDomain(asciiHost) is { } registrable
            ? Normalized<string>.Ok(registrable)
            : Normalized<string>.Reject("domain is a public suffix, not a registrable domain");
    }

    /// <summary>
    /// A company key: the registrable domain of <paramref name="input"/>, unless it is a free-mail, disposable or
    /// social/shortener host.
    /// </summary>
    public static Normalized<string> CompanyDomain(string? input)
    {
        var host = Host(input);
        if (!host.IsValid)
        {
            return host;
        }

        var registrable = Registrable(host.Value!);
        return registrable.IsValid ? CompanyKeyCheck(host.Value!, registrable.Value!) : registrable;
    }

    /// <summary>Rejects registrable domains that never identify a company.</summary>
    public static Normalized<string> CompanyKeyCheck(string host, string registrable)
    {
        if (IsFreeMail(registrable))
        {
            return Normalized<string>.Reject("domain is a free-mail provider, not a company");
        }

        if (IsSocial(registrable))
        {
            return Normalized<string>.Reject("domain is a social network or link shortener, not a company");
        }

        return IsDisposable(host, registrable)
            ? Normalized<string>.Reject("domain is a disposable mail domain, not a company")
            : Normalized<string>.Ok(registrable);
    }
}
