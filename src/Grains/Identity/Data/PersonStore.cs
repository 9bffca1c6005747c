using Alavida.Grains.Identity.Rules;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Identity.Data;

/// <summary><c>identity.persons</c> with <c>person_keys</c> (linkedin, email, name) and <c>person_names</c>.</summary>
public sealed class PersonStore(IdentityDatabase db, IIdentityEvents events) : EntityStore<PersonFacts, PersonAttributes>(db, events)
{
    private static readonly FactColumn<PersonFacts, PersonAttributes>[] Columns =
    [
        new("full_name", f => f.DisplayName, a => a.FullName),
        new("given_name", f => f.GivenName, a => a.GivenName),
        new("family_name", f => f.FamilyName, a => a.FamilyName),
        new("normalized_name", f => f.NameKey, a => a.NameKey),
        // The latest work email or company domain says where the person works now.
        new("current_company_id", f => f.CompanyId, a => a.CurrentCompanyId, Overwrite: true, Type: NpgsqlDbType.Uuid),
    ];

    protected override EntityTables Tables => EntityTables.Persons;

    protected override IReadOnlyList<string> AttributeColumns { get; } =
        ["full_name", "given_name", "family_name", "normalized_name", "linkedin_slug", "current_company_id"];

    protected override IReadOnlyList<FactColumn<PersonFacts, PersonAttributes>> FactColumns => Columns;

    protected override PersonAttributes ReadAttributes(NpgsqlDataReader reader, int first) => new(
        Text(reader, first), Text(reader, first + 1), Text(reader, first + 2),
        Text(reader, first + 3), Text(reader, first + 4), reader.IsDBNull(first + 5) ? null : reader.GetGuid(first + 5));

    protected override IReadOnlyList<IdentityKey> KeysOf(PersonFacts facts) => facts.StrongKeys;

    protected override (string Name, string Scope)? NameOf(PersonFacts facts) =>
        facts.NameKey is null || facts.CompanyId is null ? null : (facts.NameKey, facts.NameScope);
}
