using System.Collections.Frozen;

namespace Alavida.Grains.Identity.Rules;

/// <summary>A normalized email address.</summary>
/// <param name="Address">The canonical address: lowercase; provider rules for dots and <c>+tag</c> applied.</param>
/// <param name="RegistrableDomain">The registrable domain of the address's host.</param>
/// <param name="IsWork">False for free-mail providers (personal addresses).</param>
/// <param name="CompanyDomain">For a work address, the registrable domain when it may identify a company; otherwise null.</param>
public sealed record Email(string Address, string RegistrableDomain, bool IsWork, string? CompanyDomain);

/// <summary>Email addresses: lowercase, provider rules (gmail dots, <c>+tag</c>), role and disposable addresses rejected.</summary>
public static class EmailRules
{
    private static readonly Lazy<FrozenSet<string>> RoleLocalParts = new(() => RuleData.Set("role_local_parts.txt"));

    // Providers that deliver local+tag to local (sub-addressing); gmail also ignores dots in the local part.
    private static readonly FrozenSet<string> PlusTagProviders = new[]
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
        "fastmail.com", "fastmail.fm", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "yandex.com", "yandex.ru",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Normalizes an address, or rejects it (malformed, role address, disposable domain).</summary>
    public static Normalized<Email> Normalize(string? input)
    {
        if (TextRules.Precheck(input, "email") is { } problem)
        {
            return Normalized<Email>.Reject(problem);
        }

        var text = input!.Trim();
        if (text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[7..];
        }

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@') != at || text.Any(char.IsWhiteSpace))
        {
            return Normalized<Email>.Reject("email is not a valid address");
        }

        var local = text[..at].ToLowerInvariant();
        if (local.Length > 64 || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return Normalized<Email>.Reject("email has an invalid local part");
        }

        var host = DomainRules.Host(text[(at + 1)..]);
        if (!host.IsValid || text[(at + 1)..].IndexOfAny(['/', ':', '?', '#']) >= 0)
        {
            return Normalized<Email>.Reject("email has an invalid domain");
        }

        var registrable = DomainRules.Registrable(host.Value!);
        if (!registrable.IsValid)
        {
            return Normalized<Email>.Reject("email has an invalid domain");
        }

        var domain = host.Value!;
        if (domain == "googlemail.com")
        {
            domain = "gmail.com";
        }

        if (PlusTagProviders.Contains(domain) && local.IndexOf('+') is > 0 and var plus)
        {
            local = local[..plus];
        }

        if (domain == "gmail.com")
        {
            local = local.Replace(".", "", StringComparison.Ordinal);
        }

        var mailbox = local.Split('+')[0];
        if (RoleLocalParts.Value.Contains(mailbox))
        {
            return Normalized<Email>.Reject("email is a role address, not a person");
        }

        if (DomainRules.IsDisposable(domain, registrable.Value!))
        {
            return Normalized<Email>.Reject("email is at a disposable mail domain");
        }

        var isWork = !DomainRules.IsFreeMail(registrable.Value!);
        var company = isWork && DomainRules.CompanyKeyCheck(domain, registrable.Value!).IsValid ? registrable.Value : null;
        return Normalized<Email>.Ok(new Email($"{local}@{domain}", registrable.Value!, isWork, company));
    }
}
