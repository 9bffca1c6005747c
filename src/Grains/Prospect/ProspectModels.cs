using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Grains.Prospect;

/// <summary>An ideal customer profile, as the qualify request gives it.</summary>
public sealed record IcpProfile(
    IReadOnlyList<string> Industries,
    int? EmployeesMin,
    int? EmployeesMax,
    IReadOnlyList<string> Countries,
    IReadOnlyList<string> RequiredKeywords,
    IReadOnlyList<string> ExcludedKeywords,
    IReadOnlyList<string> ExcludedDomains,
    double? MinScore)
{
    public bool HasEmployeeRange => EmployeesMin is not null || EmployeesMax is not null;

    public static IcpProfile Parse(JsonElement icp)
    {
        var range = icp.TryGetProperty("employee_range", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        return new IcpProfile(
            Json.Strings(icp, "industries"),
            range.ValueKind == JsonValueKind.Object ? Json.Int(range, "min") : null,
            range.ValueKind == JsonValueKind.Object ? Json.Int(range, "max") : null,
            Json.Strings(icp, "countries"),
            Json.Strings(icp, "required_keywords"),
            Json.Strings(icp, "excluded_keywords"),
            Json.Strings(icp, "excluded_domains"),
            icp.TryGetProperty("min_score", out var min) && min.ValueKind == JsonValueKind.Number ? min.GetDouble() : null);
    }
}

/// <summary>A candidate company with whatever facts the caller has.</summary>
public sealed record CompanyCandidate(
    string? Name,
    string? Domain,
    string? LinkedInUrl,
    string? Industry,
    int? Employees,
    string? Country,
    string? Description,
    IReadOnlyList<string> Technologies)
{
    public static CompanyCandidate Parse(JsonElement c) => new(
        Json.Str(c, "name"), Json.Str(c, "domain"), Json.Str(c, "linkedin_url"), Json.Str(c, "industry"), Json.Int(c, "employees"),
        Json.Str(c, "country")?.ToUpperInvariant(), Json.Str(c, "description"), Json.Strings(c, "technologies"));

    /// <summary>The candidate as stored with its evaluation (only the fields it has).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        Add("name", Name);
        Add("domain", Domain);
        Add("linkedin_url", LinkedInUrl);
        Add("industry", Industry);
        if (Employees is { } e)
        {
            o["employees"] = e;
        }

        Add("country", Country);
        Add("description", Description);
        if (Technologies.Count > 0)
        {
            o["technologies"] = new JsonArray([.. Technologies.Select(t => JsonValue.Create(t))]);
        }

        return o;

        void Add(string name, string? value)
        {
            if (value is not null)
            {
                o[name] = value;
            }
        }
    }

    /// <summary>Fills the facts this candidate lacks from <paramref name="known"/> (an earlier evaluation of the same company).</summary>
    public CompanyCandidate FillFrom(CompanyCandidate known) => new(
        Name ?? known.Name, Domain ?? known.Domain, LinkedInUrl ?? known.LinkedInUrl, Industry ?? known.Industry, Employees ?? known.Employees,
        Country ?? known.Country, Description ?? known.Description, Technologies.Count > 0 ? Technologies : known.Technologies);
}

/// <summary>Who counts as a lead at a company.</summary>
public sealed record Persona(IReadOnlyList<string> TitleKeywords, IReadOnlyList<string> Seniorities, IReadOnlyList<string> Departments, int? MaxLeads)
{
    public bool IsEmpty => TitleKeywords.Count == 0 && Seniorities.Count == 0 && Departments.Count == 0;

    public static Persona Parse(JsonElement p) => new(
        Json.Strings(p, "title_keywords"), Json.Strings(p, "seniorities"), Json.Strings(p, "departments"), Json.Int(p, "max_leads"));

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["title_keywords"] = new JsonArray([.. TitleKeywords.Select(t => JsonValue.Create(t))]),
            ["seniorities"] = new JsonArray([.. Seniorities.Select(t => JsonValue.Create(t))]),
            ["departments"] = new JsonArray([.. Departments.Select(t => JsonValue.Create(t))]),
        };
        if (MaxLeads is { } max)
        {
            o["max_leads"] = max;
        }

        return o;
    }
}

/// <summary>A person at a company, resolved to an identity, from one of the people sources.</summary>
public sealed record PersonCandidate(
    Guid PersonId,
    string Source,
    int? Index,
    string Name,
    string? Title,
    string? Email,
    string? LinkedInUrl,
    string? Seniority,
    string? Department);

/// <summary>A company's fit against an ICP, explained.</summary>
public sealed record FitEvaluation(bool Qualified, double Score, IReadOnlyList<string> Passed, IReadOnlyList<string> Failed, IReadOnlyList<string> Reasons, string Reasoner);

/// <summary>A person matched against a persona, explained.</summary>
public sealed record LeadMatch(PersonCandidate Person, bool IsLead, double Score, IReadOnlyList<string> Reasons);

/// <summary>A stored buying signal.</summary>
public sealed record StoredSignal(Guid SignalId, string Type, DateTimeOffset ObservedAt, double Strength, string? SourceUrl, string Evidence);

/// <summary>One signal's part in a score: the recency factor and the points after weight, family cap and decay.</summary>
public sealed record SignalContribution(StoredSignal Signal, double Decay, double Points);

/// <summary>A company's buying-intent score, explained.</summary>
public sealed record SignalScore(double Score, string Tier, int SignalCount, IReadOnlyList<SignalContribution> Evidence, IReadOnlyList<string> Reasons, string Reasoner);
