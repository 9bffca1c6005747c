using System.Text.Json;
using Alavida.Api.Validation;
using Alavida.Api;
using Alavida.Grains.Registry;

namespace Alavida.Tests.Gateway;

/// <summary>What /run says about a body that does not match its action's schema: the field's pointer, and why in words a user can act on.</summary>
public sealed class SchemaMessageTests
{
    private static readonly InputValidator Validator = new();

    [Theory]
    [InlineData("identity", "resolve-company", """{"companies":[{"domian":"acme.com"}]}""", "/companies/0/domian", "unknown field 'domian'; allowed: ")]
    [InlineData("identity", "resolve-company", """{"companies":[{"country":"DE"}]}""", "/companies/0", "needs at least one of 'domain', 'name' or 'linkedin_url'")]
    [InlineData("identity", "resolve-company", """{"companies":[{"domain":1}]}""", "/companies/0/domain", "must be a string, not a number")]
    [InlineData("identity", "resolve-company", """{"companies":"acme.com"}""", "/companies", "must be an array, not a string")]
    [InlineData("identity", "resolve-company", """{"companies":[]}""", "/companies", "must have at least one item")]
    [InlineData("identity", "resolve-company", """{"companies":[{"domain":"acme.com","country":"Germany"}]}""", "/companies/0/country", "must match ^[A-Za-z]{2}$ (ISO 3166-1 alpha-2")]
    [InlineData("identity", "resolve-company", """{"companies":[{"name":""}]}""", "/companies/0/name", "must not be empty")]
    [InlineData("identity", "resolve-company", """{}""", "/", "missing required field 'companies'")]
    [InlineData("identity", "merge", """{"merges":[{"kind":"planet","survivor_id":"x","loser_id":"5f1c2a9e-7b3d-5e41-9a0c-3d2e1f4b6a70"}]}""", "/merges/0/kind", "must be one of company, person")]
    [InlineData("identity", "merge", """{"merges":[{"kind":"company","survivor_id":"x","loser_id":"5f1c2a9e-7b3d-5e41-9a0c-3d2e1f4b6a70"}]}""", "/merges/0/survivor_id", "must be a UUID")]
    [InlineData("identity", "merge", """{"merges":[{"kind":"company"}]}""", "/merges/0", "missing required fields 'survivor_id' and 'loser_id'")]
    [InlineData("lead-discovery", "discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"B"}],"persona":{"max_leads":500}}""", "/persona/max_leads", "must be from 1 to 100")]
    [InlineData("lead-discovery", "discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"B"}],"persona":{"max_leads":2.5}}""", "/persona/max_leads", "must be a whole number, not 2.5")]
    [InlineData("lead-discovery", "discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"B"}],"persona":{"seniorities":["vp","vp"]}}""", "/persona/seniorities", "must not repeat an item: items 0 and 1 are the same")]
    [InlineData("lead-discovery", "discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"B","seniority":7}]}""", "/people/0/seniority", "must be one of owner, founder, c_suite")]
    [InlineData("buying-signals", "ingest", """{"signals":[{"type":"funding","company":{"domain":"a.com"},"evidence":"e","strength":2}]}""", "/signals/0/strength", "must be from 0 to 1")]
    [InlineData("buying-signals", "ingest", """{"signals":[{"type":"funding","company":{"domain":"a.com"},"evidence":"e","observed_at":"yesterday"}]}""", "/signals/0/observed_at", "must be a date and time with its offset (RFC 3339)")]
    [InlineData("icp-discovery", "qualify", """{"icp":{},"companies":[{"domain":"a.com"}]}""", "/icp", "must not be empty: set at least one of ")]
    public void InvalidInput_IsDescribedInWordsAUserCanActOn_AtItsPointer(string slug, string action, string json, string field, string message)
    {
        var errors = Validate(slug, action, json);

        Assert.Contains(errors, e => e.Field == field && e.Message.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownField_ListsTheAllowedOnes_AndAtTheTopLevelThePlatformsToo()
    {
        var nested = Assert.Single(Validate("identity", "resolve-company", """{"companies":[{"domain":"acme.com","domian":"acme.com"}]}"""));
        var top = Assert.Single(Validate("identity", "resolve-company", """{"companies":[{"domain":"acme.com"}],"max_credit":5}""", ["max_credits"]));

        Assert.Equal("/companies/0/domian", nested.Field);
        Assert.Equal(["country", "domain", "linkedin_url", "name"], Allowed(nested.Message).Order());
        Assert.Equal("/max_credit", top.Field);
        Assert.Equal(["companies", "max_credits"], Allowed(top.Message).Order());

        static IEnumerable<string> Allowed(string message) => message[(message.IndexOf("allowed: ", StringComparison.Ordinal) + "allowed: ".Length)..].Split(", ");
    }

    [Fact]
    public void AnAnyOfThatPasses_AddsNoError_EvenWhereOtherFieldsFail()
    {
        var errors = Validate("lead-discovery", "discover", """{"company":{"domain":"a.com","bogus":1},"people":[{"name":"A","title":"B"}]}""");

        Assert.Equal("/company/bogus", Assert.Single(errors).Field);
    }

    [Theory]
    [MemberData(nameof(RegistryContractTests.Components), MemberType = typeof(RegistryContractTests))]
    public void EveryInvalidExample_IsDescribedInOurWords_NotTheLibrarys(string slug)
    {
        var examples = JsonDocument.Parse(File.ReadAllText(Path.Combine(RegistryContractTests.RepositoryRoot(), "src/Grains/Registry/components", slug, "examples.json"))).RootElement;
        foreach (var action in examples.GetProperty("actions").EnumerateObject())
        {
            foreach (var invalid in action.Value.GetProperty("invalid").EnumerateArray())
            {
                var errors = Validate(slug, action.Name, invalid.GetProperty("input").GetRawText());

                Assert.NotEmpty(errors);
                Assert.All(errors, e => Assert.DoesNotMatch("false schema|Required properties|Value should|Value is \"|indicated regular expression", e.Message));
            }
        }
    }

    private static IReadOnlyList<FieldError> Validate(string slug, string action, string json, IReadOnlyCollection<string>? alsoAllowed = null)
    {
        var component = ComponentManifest.LoadEmbedded().Single(c => c.Slug == slug).ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true);
        return Validator.Validate(component, component.FindAction(action)!, JsonDocument.Parse(json).RootElement, alsoAllowed);
    }
}
