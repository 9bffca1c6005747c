using Alavida.Grains.Identity.Rules;
using Npgsql;

namespace Alavida.Grains.Identity.Data;

/// <summary><c>identity.companies</c> with <c>company_keys</c> (domain, linkedin, name) and <c>company_names</c>.</summary>
public sealed class CompanyStore(IdentityDatabase db, IIdentityEvents events) : EntityStore<CompanyFacts, CompanyAttributes>(db, events)
{
    private static readonly FactColumn<CompanyFacts, CompanyAttributes>[] Columns =
    [
        new("display_name", f => f.DisplayName, a => a.DisplayName),
        new("normalized_name", f => f.NameKey, a => a.NameKey),
        new("legal_form", f => f.LegalForm, a => a.LegalForm),
        new("country", f => f.Country, a => a.Country),
    ];

    protected override EntityTables Tables => EntityTables.Companies;

    protected override IReadOnlyList<string> AttributeColumns { get; } = ["display_name", "normalized_name", "legal_form", "linkedin_slug", "country"];

    protected override IReadOnlyList<FactColumn<CompanyFacts, CompanyAttributes>> FactColumns => Columns;

    protected override CompanyAttributes ReadAttributes(NpgsqlDataReader reader, int first) => new(
        Text(reader, first), Text(reader, first + 1), Text(reader, first + 2), Text(reader, first + 3), Text(reader, first + 4));

    protected override IReadOnlyList<IdentityKey> KeysOf(CompanyFacts facts) => facts.StrongKeys;

    protected override (string Name, string Scope)? NameOf(CompanyFacts facts) =>
        facts.NameKey is null ? null : (facts.NameKey, facts.NameScope);

    /// <summary><c>identity/company.resolved</c>, so other quantums (and the team's webhooks) can follow new companies.</summary>
    protected override (string Name, object Data)? CreatedEvent(NewEntity<CompanyFacts> entity, string? source, Guid? teamId) =>
        ("identity/company.resolved", new CompanyResolved(entity.Id, entity.Canonical.ToString(), entity.Facts.Domain, entity.Facts.LinkedInSlug,
            entity.Facts.DisplayName, entity.Facts.Country, source, teamId, IdentityRules.Version));
}
