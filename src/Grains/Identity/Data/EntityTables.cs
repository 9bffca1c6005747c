namespace Alavida.Grains.Identity.Data;

/// <summary>The tables of one entity type in schema <c>identity</c>, and the name of its merge event.</summary>
/// <param name="Entities">The entity table (<c>companies</c>).</param>
/// <param name="Keys">Its key table (<c>company_keys</c>).</param>
/// <param name="Names">Its name index (<c>company_names</c>).</param>
/// <param name="Owner">The owner column of the key and name tables (<c>company_id</c>).</param>
/// <param name="MergedEvent">The event emitted when two entities merge.</param>
public sealed record EntityTables(string Entities, string Keys, string Names, string Owner, string MergedEvent)
{
    public static EntityTables Companies { get; } = new("identity.companies", "identity.company_keys", "identity.company_names", "company_id", "identity/company.merged");

    public static EntityTables Persons { get; } = new("identity.persons", "identity.person_keys", "identity.person_names", "person_id", "identity/person.merged");
}
