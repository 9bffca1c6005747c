using System.Text;
using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

/// <summary>Hostile text through every rule: a value or a rejection with a reason, never an exception.</summary>
public sealed class RulesFuzzTests
{
    private static readonly string[] Fragments =
    [
        "http://", "https://", "www.", "@", "+", ".", "..", "/", "//", ":", "::", "%", "%zz", "%C3%A9", "?", "#", " ", "\t", "\0",
        "\u200b", "\u202e", "\ud800", "\udc00", "🙂", "ü", "ß", "İ", "ﬁ", "Ⅻ", "株式会社", "Яндекс", "ملك", "linkedin.com/in/", "linkedin.com/company/",
        "gmail.com", "co.uk", "xn--", "xn--zz", "-", "_", "&", ",", "Inc.", "GmbH", "Dr.", "Jr", "[::1]", "127.0.0.1", "a", "acme", "com",
    ];

    [Fact]
    public void Rules_NeverThrow_OnRandomInput()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 20_000; i++)
        {
            var text = Compose(random);
            var company = CompanyInputRules.Normalize(new CompanyInput(text, text, text, text[..Math.Min(2, text.Length)]));
            var person = PersonInputRules.Normalize(new PersonInput(text, text, text, text));

            Assert.True(company.IsValid || !string.IsNullOrWhiteSpace(company.Rejection), text);
            Assert.True(person.IsValid || !string.IsNullOrWhiteSpace(person.Rejection), text);
            _ = (DomainRules.CompanyDomain(text), EmailRules.Normalize(text), LinkedInRules.CompanySlug(text), LinkedInRules.PersonSlug(text));
            _ = (CompanyNameRules.Normalize(text), PersonNameRules.Normalize(text));
        }
    }

    private static string Compose(Random random)
    {
        var builder = new StringBuilder();
        for (var parts = random.Next(1, 8); parts > 0; parts--)
        {
            builder.Append(random.Next(4) == 0 ? (char)random.Next(1, 0xFFFF) : Fragments[random.Next(Fragments.Length)]);
        }

        return builder.ToString();
    }
}
