using System.Globalization;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// The default reasoner: fixed rules, weights from <see cref="ProspectScoringOptions"/>, and a reason for every
/// criterion, so the same input always gives the same, explained decision.
/// </summary>
public sealed class DeterministicReasoner(IOptions<ProspectScoringOptions> options) : IProspectReasoner
{
    public const string Name = "deterministic";

    private static readonly (string Seniority, string[] Words)[] SeniorityWords =
    [
        ("intern", ["intern", "trainee"]),
        ("founder", ["founder", "co-founder", "cofounder"]),
        ("owner", ["owner"]),
        ("c_suite", ["chief", "ceo", "cto", "cfo", "coo", "cmo", "cro", "cio", "ciso", "cpo", "president"]),
        ("partner", ["partner"]),
        ("vp", ["vp", "vice president", "svp", "evp"]),
        ("head", ["head of", "head"]),
        ("director", ["director"]),
        ("manager", ["manager", "lead"]),
        ("senior", ["senior", "sr.", "principal", "staff"]),
    ];

    private ProspectScoringOptions Options => options.Value;

    /// <summary>The match score a person needs to be a lead.</summary>
    public double MinMatchScore => Options.MinMatchScore;

    public Task<FitEvaluation> QualifyAsync(IcpProfile icp, CompanyCandidate company, double minScore, ReasoningLedger ledger, CancellationToken cancellationToken) =>
        Task.FromResult(Qualify(icp, company, minScore));

    public Task<IReadOnlyList<LeadMatch>> MatchAsync(Persona persona, IReadOnlyList<PersonCandidate> people, ReasoningLedger ledger, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LeadMatch>>([.. people.Select(p => Match(persona, p))]);

    public Task<SignalScore> ScoreAsync(IReadOnlyList<StoredSignal> signals, DateTimeOffset now, ReasoningLedger ledger, CancellationToken cancellationToken) =>
        Task.FromResult(Score(signals, now));

    /// <summary>Scores a company's fit: the share of the ICP's criterion weights it meets; exclusions always disqualify.</summary>
    public FitEvaluation Qualify(IcpProfile icp, CompanyCandidate company, double minScore)
    {
        var passed = new List<string>();
        var failed = new List<string>();
        var reasons = new List<string>();
        double total = 0, earned = 0;

        void Criterion(string name, bool ok, string reason)
        {
            var weight = Options.CriterionWeights.GetValueOrDefault(name);
            total += weight;
            earned += ok ? weight : 0;
            (ok ? passed : failed).Add(name);
            reasons.Add(reason);
        }

        if (icp.Industries.Count > 0)
        {
            var match = company.Industry is { } industry
                ? icp.Industries.FirstOrDefault(i => Contains(industry, i) || Contains(i, industry))
                : null;
            Criterion("industries", match is not null, company.Industry is null
                ? "industry unknown"
                : match is not null ? $"industry '{company.Industry}' matches '{match}'" : $"industry '{company.Industry}' is not in the ICP");
        }

        if (icp.HasEmployeeRange)
        {
            var range = $"{icp.EmployeesMin?.ToString(CultureInfo.InvariantCulture) ?? "0"}–{icp.EmployeesMax?.ToString(CultureInfo.InvariantCulture) ?? "∞"}";
            var reason = company.Employees switch
            {
                null => "employee count unknown",
                var n when n < icp.EmployeesMin => $"{n} employees below the minimum of {icp.EmployeesMin}",
                var n when n > icp.EmployeesMax => $"{n} employees above the maximum of {icp.EmployeesMax}",
                var n => $"{n} employees within {range}",
            };
            Criterion("employee_range", company.Employees is { } e && (icp.EmployeesMin is null || e >= icp.EmployeesMin) && (icp.EmployeesMax is null || e <= icp.EmployeesMax), reason);
        }

        if (icp.Countries.Count > 0)
        {
            var ok = company.Country is { } country && icp.Countries.Any(c => string.Equals(c, country, StringComparison.OrdinalIgnoreCase));
            Criterion("countries", ok, company.Country is null ? "country unknown" : ok ? $"country {company.Country} is in the ICP" : $"country {company.Country} is not in the ICP");
        }

        var text = Text(company);
        if (icp.RequiredKeywords.Count > 0)
        {
            var missing = icp.RequiredKeywords.Where(k => !Contains(text, k)).ToList();
            Criterion("required_keywords", missing.Count == 0, missing.Count == 0
                ? $"mentions {string.Join(", ", icp.RequiredKeywords.Select(k => $"'{k}'"))}"
                : $"does not mention {string.Join(", ", missing.Select(k => $"'{k}'"))}");
        }

        var excluded = false;
        if (icp.ExcludedKeywords.Count > 0)
        {
            var found = icp.ExcludedKeywords.Where(k => Contains(text, k)).ToList();
            if (found.Count > 0)
            {
                excluded = true;
                failed.Add("excluded_keywords");
                reasons.Add($"mentions excluded {string.Join(", ", found.Select(k => $"'{k}'"))}");
            }
        }

        if (icp.ExcludedDomains.Count > 0 && company.Domain is { } domain)
        {
            var host = Host(domain);
            var hit = icp.ExcludedDomains.Select(Host).FirstOrDefault(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal));
            if (hit is not null)
            {
                excluded = true;
                failed.Add("excluded_domains");
                reasons.Add($"domain {hit} is excluded");
            }
        }

        var score = total > 0 ? Math.Round(100 * earned / total, 1) : 100;
        var qualified = !excluded && score >= minScore;
        reasons.Add(excluded
            ? "disqualified by an exclusion"
            : qualified ? $"score {Format(score)} meets min_score {Format(minScore)}" : $"score {Format(score)} below min_score {Format(minScore)}");
        return new FitEvaluation(qualified, score, passed, failed, reasons, Name);
    }

    /// <summary>Matches one person: the share of the persona's criterion weights they meet.</summary>
    public LeadMatch Match(Persona persona, PersonCandidate person)
    {
        var reasons = new List<string>();
        double total = 0, earned = 0;
        void Criterion(string name, bool ok, string reason)
        {
            var weight = Options.PersonaWeights.GetValueOrDefault(name);
            total += weight;
            earned += ok ? weight : 0;
            reasons.Add(reason);
        }

        var title = person.Title ?? "";
        if (persona.TitleKeywords.Count > 0)
        {
            var keyword = persona.TitleKeywords.FirstOrDefault(k => Contains(title, k));
            Criterion("title_keywords", keyword is not null, keyword is not null ? $"title contains '{keyword}'" : "no title keyword");
        }

        if (persona.Seniorities.Count > 0)
        {
            var seniority = person.Seniority ?? InferSeniority(title);
            var ok = seniority is not null && persona.Seniorities.Contains(seniority, StringComparer.OrdinalIgnoreCase);
            Criterion("seniorities", ok, seniority is null
                ? "seniority unknown"
                : ok ? $"seniority {seniority} is in the persona" : $"seniority {seniority} is not in the persona");
        }

        if (persona.Departments.Count > 0)
        {
            var department = persona.Departments.FirstOrDefault(d =>
                (person.Department is not null && string.Equals(person.Department, d, StringComparison.OrdinalIgnoreCase)) || Contains(title, d));
            Criterion("departments", department is not null, department is not null ? $"department {department} is in the persona" : "department not in the persona");
        }

        var score = total > 0 ? Math.Round(100 * earned / total, 1) : 100;
        if (total == 0)
        {
            reasons.Add("the persona sets no criteria");
        }

        return new LeadMatch(person, score >= Options.MinMatchScore, score, reasons);
    }

    /// <summary>Scores signals: weight × strength × recency per signal, capped per family, negatives subtract, clamped to 0–100.</summary>
    public SignalScore Score(IReadOnlyList<StoredSignal> signals, DateTimeOffset now)
    {
        var contributions = new List<SignalContribution>(signals.Count);
        var reasons = new List<string>();
        double total = 0;
        foreach (var family in signals.GroupBy(s => s.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var settings = Options.Families.GetValueOrDefault(family.Key) ?? new SignalFamilyOptions();
            var raw = family.Select(s => (Signal: s, Decay: DecayOf(now - s.ObservedAt), Points: 0.0)).Select(x => x with { Points = settings.Weight * x.Signal.Strength * x.Decay }).ToList();
            var sum = raw.Sum(x => x.Points);
            var capped = settings.Cap >= 0 ? Math.Min(sum, settings.Cap) : Math.Max(sum, settings.Cap);
            var scale = sum == 0 ? 0 : capped / sum;
            contributions.AddRange(raw.Select(x => new SignalContribution(x.Signal, x.Decay, Math.Round(x.Points * scale, 1))));
            total += capped;
            reasons.Add($"{family.Key}: {family.Count()} signal{(family.Count() == 1 ? "" : "s")}, {Signed(capped)} points" +
                (capped != sum ? $" (capped at {Signed(settings.Cap)})" : ""));
        }

        var score = Math.Round(Math.Clamp(total, 0, 100), 1);
        var tier = TierOf(score);
        var evidence = contributions.Where(c => c.Points != 0).OrderByDescending(c => Math.Abs(c.Points)).ThenByDescending(c => c.Signal.ObservedAt)
            .Take(Options.TopEvidence).ToList();
        reasons.Add($"score {Format(score)} is {tier}");
        return new SignalScore(score, tier, signals.Count, evidence, reasons, Name);
    }

    /// <summary>hot, warm or cold by the configured thresholds.</summary>
    public string TierOf(double score) => score >= Options.HotThreshold ? "hot" : score >= Options.WarmThreshold ? "warm" : "cold";

    /// <summary>The recency factor for a signal of this age.</summary>
    public double DecayOf(TimeSpan age)
    {
        var days = Math.Max(0, age.TotalDays);
        return Options.Decay.OrderBy(d => d.MaxAgeDays).FirstOrDefault(d => days <= d.MaxAgeDays)?.Factor ?? 0;
    }

    /// <summary>A seniority level from a job title, when the title says it.</summary>
    public static string? InferSeniority(string title)
    {
        foreach (var (seniority, words) in SeniorityWords)
        {
            if (words.Any(w => ContainsWord(title, w)))
            {
                return seniority;
            }
        }

        return null;
    }

    private static string Text(CompanyCandidate c) => string.Join(' ', new[] { c.Name, c.Industry, c.Description }.Concat(c.Technologies).Where(s => s is not null));

    private static bool Contains(string text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);

    private static bool ContainsWord(string text, string word)
    {
        var at = 0;
        while ((at = text.IndexOf(word, at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var end = at + word.Length;
            var after = end >= text.Length || !char.IsLetterOrDigit(text[end]);
            if (before && after)
            {
                return true;
            }

            at = end;
        }

        return false;
    }

    private static string Host(string domain)
    {
        var host = domain.Trim().ToLowerInvariant();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        host = scheme >= 0 ? host[(scheme + 3)..] : host;
        var slash = host.IndexOfAny(['/', '?', '#', ':']);
        host = slash >= 0 ? host[..slash] : host;
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host.TrimEnd('.');
    }

    private static string Format(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Format(Math.Round(value, 1));
}
