using System.Collections.Frozen;
using System.Globalization;

namespace Alavida.Grains.Identity.Rules;

/// <summary>
/// The Public Suffix List (ICANN and private sections) with its three rule kinds: plain (<c>co.uk</c>), wildcard
/// (<c>*.ck</c>) and exception (<c>!www.ck</c>). Rules are stored punycoded, in hash sets keyed by the suffix; the
/// longest matching rule wins, exceptions beat wildcards, as <see href="https://publicsuffix.org/list/"/> specifies.
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly Lazy<PublicSuffixList> Embedded = new(() => Parse(RuleData.Lines("public_suffix_list.dat")));

    private readonly FrozenSet<string> _rules;
    private readonly FrozenSet<string> _wildcards;
    private readonly FrozenSet<string> _exceptions;
    private readonly FrozenSet<string> _topLevel;

    private PublicSuffixList(FrozenSet<string> rules, FrozenSet<string> wildcards, FrozenSet<string> exceptions)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
        _topLevel = rules.Concat(wildcards).Select(r => r[(r.LastIndexOf('.') + 1)..]).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The list shipped with the build, parsed once per process.</summary>
    public static PublicSuffixList Default => Embedded.Value;

    /// <summary>Parses list lines (comments already removed or not).</summary>
    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        var idn = new IdnMapping();
        HashSet<string> rules = [], wildcards = [], exceptions = [];
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            // A rule is the first whitespace-delimited token; rules are Unicode, hosts we compare are punycoded.
            var rule = line.Split(' ', '\t')[0].ToLowerInvariant();
            if (rule.StartsWith('!'))
            {
                exceptions.Add(idn.GetAscii(rule[1..]));
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.Add(idn.GetAscii(rule[2..]));
            }
            else
            {
                rules.Add(idn.GetAscii(rule));
            }
        }

        return new(rules.ToFrozenSet(StringComparer.Ordinal), wildcards.ToFrozenSet(StringComparer.Ordinal), exceptions.ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>Whether the last label of <paramref name="asciiHost"/> is a top-level domain the list knows.</summary>
    public bool IsKnownTopLevel(string asciiHost) => _topLevel.Contains(asciiHost[(asciiHost.LastIndexOf('.') + 1)..]);

    /// <summary>
    /// The registrable domain (public suffix plus one label) of a lowercase punycoded host, or null when the host is
    /// itself a public suffix.
    /// </summary>
    public string? RegistrableDomain(string asciiHost)
    {
        var suffixLength = PublicSuffixLength(asciiHost);
        if (suffixLength >= asciiHost.Length)
        {
            return null;
        }

        // One more label to the left of the suffix.
        var start = asciiHost.LastIndexOf('.', asciiHost.Length - suffixLength - 2) + 1;
        return asciiHost[start..];
    }

    /// <summary>The length of the host's public suffix (the default rule <c>*</c> makes it at least the last label).</summary>
    private int PublicSuffixLength(string host)
    {
        // Walk suffixes from the longest (the whole host) to the shortest; the first rule that matches is the longest.
        for (var start = 0; start >= 0 && start < host.Length; start = NextLabel(host, start))
        {
            var suffix = host[start..];
            if (_exceptions.Contains(suffix))
            {
                // An exception rule's suffix is the rule minus its leftmost label.
                return host.Length - NextLabel(host, start);
            }

            if (_rules.Contains(suffix))
            {
                return suffix.Length;
            }

            var parent = NextLabel(host, start);
            if (parent > 0 && _wildcards.Contains(host[parent..]))
            {
                return suffix.Length;
            }
        }

        return host.Length - (host.LastIndexOf('.') + 1);
    }

    private static int NextLabel(string host, int start)
    {
        var dot = host.IndexOf('.', start);
        return dot < 0 ? -1 : dot + 1;
    }
}
