using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

/// <summary>Golden vectors: company and person names to their match keys.</summary>
public sealed class NameRulesTests
{
    [Theory]
    [InlineData("Acme Inc.", "acme", "inc", "Acme")]
    [InlineData("ACME, INC", "acme", "inc", "ACME")]
    [InlineData("Acme Incorporated", "acme", "inc", "Acme")]
    [InlineData("  Acme   Widgets  LLC ", "acme widgets", "llc", "Acme Widgets")]
    [InlineData("Acme L.L.C.", "acme", "llc", "Acme")]
    [InlineData("Müller GmbH", "muller", "gmbh", "Müller")]
    [InlineData("Müller GmbH & Co. KG", "muller", "gmbh & co kg", "Müller")]
    [InlineData("Société Générale S.A.", "societe generale", "sa", "Société Générale")]
    [InlineData("Philips N.V.", "philips", "nv", "Philips")]
    [InlineData("Booking B.V.", "booking", "bv", "Booking")]
    [InlineData("Barclays PLC", "barclays", "plc", "Barclays")]
    [InlineData("Atlassian Pty Ltd", "atlassian", "pty ltd", "Atlassian")]
    [InlineData("Johnson & Johnson", "johnson and johnson", null, "Johnson & Johnson")]
    [InlineData("I.B.M. Corp.", "ibm", "corp", "I.B.M")]
    [InlineData("IBM", "ibm", null, "IBM")]
    [InlineData("ＡＣＭＥ　Ｌｔｄ", "acme", "ltd", "ACME")]
    [InlineData("McDonald's Corporation", "mcdonalds", "corp", "McDonald's")]
    [InlineData("Company", "company", null, "Company")]
    [InlineData("Danske Robotics A/S", "danske robotics", "as", "Danske Robotics")]
    [InlineData("Nova Tehnika d.o.o.", "nova tehnika", "doo", "Nova Tehnika")]
    [InlineData("Kowalski Sp. z o.o.", "kowalski", "spzoo", "Kowalski")]
    [InlineData("Ferretti S.p.A.", "ferretti", "spa", "Ferretti")]
    [InlineData("Lumen S.à r.l.", "lumen", "sarl", "Lumen")]
    [InlineData("Sakura Trading K.K.", "sakura trading", "kk", "Sakura Trading")]
    [InlineData("Acme Trust", "acme trust", null, "Acme Trust")]
    [InlineData("Яндекс", "яндекс", null, "Яндекс")]
    [InlineData("トヨタ自動車", "トヨタ自動車", null, "トヨタ自動車")]
    public void CompanyName_IsFoldedAndKeepsItsLegalForm(string input, string key, string? legalForm, string display)
    {
        var result = CompanyNameRules.Normalize(input).Value!;

        Assert.Equal(key, result.Key);
        Assert.Equal(legalForm, result.LegalForm);
        Assert.Equal(display, result.Display.TrimEnd('.'));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("!!! ---", "no letters")]
    [InlineData("🙂🙂", "no letters")]
    public void CompanyName_IsRejectedWithAReason(string input, string reason) =>
        Assert.Contains(reason, CompanyNameRules.Normalize(input).Rejection);

    [Theory]
    [InlineData("Jane Doe", "jane doe", "Jane", "Doe")]
    [InlineData("Doe, Jane", "jane doe", "Jane", "Doe")]
    [InlineData("Dr. Jane Doe, PhD", "jane doe", "Jane", "Doe")]
    [InlineData("Mrs Jane   Doe", "jane doe", "Jane", "Doe")]
    [InlineData("John Smith, Jr.", "john smith", "John", "Smith")]
    [InlineData("Prof. Dr. José Núñez III", "jose nunez", "José", "Núñez")]
    [InlineData("Seán O'Brien", "sean obrien", "Seán", "O'Brien")]
    [InlineData("Madonna", "madonna", null, null)]
    public void PersonName_DropsHonorificsAndSuffixes_AndReordersLastFirst(string input, string key, string? given, string? family)
    {
        var result = PersonNameRules.Normalize(input).Value!;

        Assert.Equal(key, result.Key);
        Assert.Equal(given, result.Given);
        Assert.Equal(family, result.Family);
    }
}
