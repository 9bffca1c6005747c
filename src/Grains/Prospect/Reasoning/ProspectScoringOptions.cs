namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// The deterministic scorer's weights and thresholds (configuration section <c>Prospect:Scoring</c>). Every number a
/// decision depends on is here, so a decision can always be explained and changed without code.
/// </summary>
public sealed class ProspectScoringOptions
{
    public const string Section = "Prospect:Scoring";

    /// <summary>Points per ICP criterion; a company's fit is the share of the points of the criteria the ICP sets.</summary>
    public Dictionary<string, double> CriterionWeights { get; set; } = new(StringComparer.Ordinal)
    {
        ["industries"] = 40,
        ["employee_range"] = 30,
        ["countries"] = 20,
        ["required_keywords"] = 10,
    };

    /// <summary>The fit score (0–100) a company needs when the ICP has no <c>min_score</c>.</summary>
    public double DefaultMinScore { get; set; } = 60;

    /// <summary>Points per persona criterion; a person's match is the share of the points of the criteria the persona sets.</summary>
    public Dictionary<string, double> PersonaWeights { get; set; } = new(StringComparer.Ordinal)
    {
        ["title_keywords"] = 50,
        ["seniorities"] = 30,
        ["departments"] = 20,
    };

    /// <summary>The match score (0–100) a person needs to be a lead.</summary>
    public double MinMatchScore { get; set; } = 60;

    /// <summary>Leads per company when the persona has no <c>max_leads</c>.</summary>
    public int DefaultMaxLeads { get; set; } = 5;

    /// <summary>The persona used when neither the request nor the team's last qualify gave one.</summary>
    public PersonaOptions DefaultPersona { get; set; } = new();

    /// <summary>Per signal family: points at strength 1 and full recency, and the cap on the family's total (negative for negatives).</summary>
    public Dictionary<string, SignalFamilyOptions> Families { get; set; } = new(StringComparer.Ordinal)
    {
        ["people_move"] = new() { Weight = 35, Cap = 50 },
        ["hiring"] = new() { Weight = 60, Cap = 60 },
        ["company_event"] = new() { Weight = 60, Cap = 60 },
        ["tech_stack"] = new() { Weight = 25, Cap = 30 },
        ["first_party_intent"] = new() { Weight = 40, Cap = 50 },
        ["third_party_intent"] = new() { Weight = 30, Cap = 40 },
        ["engagement"] = new() { Weight = 45, Cap = 60 },
        ["layoffs"] = new() { Weight = -40, Cap = -50 },
        ["careers_only_visit"] = new() { Weight = -20, Cap = -25 },
    };

    /// <summary>Recency decay: the factor for a signal at most <c>MaxAgeDays</c> old (first step that fits); older than every step counts 0.</summary>
    public List<DecayStep> Decay { get; set; } = [new() { MaxAgeDays = 7, Factor = 1 }, new() { MaxAgeDays = 30, Factor = 0.5 }, new() { MaxAgeDays = 60, Factor = 0.25 }];

    /// <summary>Score at or above which a company is hot.</summary>
    public double HotThreshold { get; set; } = 70;

    /// <summary>Score at or above which a company is warm (below: cold).</summary>
    public double WarmThreshold { get; set; } = 40;

    /// <summary>How many contributions a score lists as evidence.</summary>
    public int TopEvidence { get; set; } = 5;
}

/// <summary>A persona in configuration.</summary>
public sealed class PersonaOptions
{
    public List<string> TitleKeywords { get; set; } = ["sales", "revenue", "growth", "marketing"];

    public List<string> Seniorities { get; set; } = ["c_suite", "vp", "head", "director"];

    public List<string> Departments { get; set; } = [];

    public int? MaxLeads { get; set; }

    public Persona ToPersona() => new(TitleKeywords, Seniorities, Departments, MaxLeads);
}

/// <summary>One signal family's weight and cap.</summary>
public sealed class SignalFamilyOptions
{
    public double Weight { get; set; }

    public double Cap { get; set; }
}

/// <summary>One step of the recency decay.</summary>
public sealed class DecayStep
{
    public double MaxAgeDays { get; set; }

    public double Factor { get; set; }
}
