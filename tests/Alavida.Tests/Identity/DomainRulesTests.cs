using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

/// <summary>Golden vectors: domains, hosts and URLs to the registrable domain that keys a company.</summary>
public sealed class DomainRulesTests
{
    [Theory]
    [InlineData("acme.com", "acme.com")]
    [InlineData("ACME.com.", "acme.com")]
    [InlineData("www.acme.com", "acme.com")]
    [InlineData("m.acme.com", "acme.com")]
    [InlineData("https://www.acme.com/about?x=1#team", "acme.com")]
    [InlineData("http://user:pw@shop.eu.acme.com:8443/path", "acme.com")]
    [InlineData("acme.com:8080", "acme.com")]
    [InlineData("//acme.com/path", "acme.com")]
    [InlineData("  acme.io  ", "acme.io")]
    [InlineData("www.acme.co.uk", "acme.co.uk")]
    [InlineData("a.b.acme.com.au", "acme.com.au")]
    [InlineData("acme.co.jp", "acme.co.jp")]
    [InlineData("www.bücher.de", "xn--bcher-kva.de")]
    [InlineData("xn--bcher-kva.de", "xn--bcher-kva.de")]
    [InlineData("https://пример.рф/", "xn--e1afmkfd.xn--p1ai")]
    [InlineData("acme.github.io", "acme.github.io")]
    [InlineData("www.acme.github.io", "acme.github.io")]
    [InlineData("shop.acme.blogspot.com", "acme.blogspot.com")]
    [InlineData("acme.herokuapp.com", "acme.herokuapp.com")]
    [InlineData("foo.bar.ck", "foo.bar.ck")]
    [InlineData("www.ck", "www.ck")]
    public void CompanyDomain_IsTheRegistrableDomain(string input, string expected)
    {
        var result = DomainRules.CompanyDomain(input);

        Assert.Null(result.Rejection);
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("gmail.com", "free-mail")]
    [InlineData("https://mail.yahoo.co.uk", "free-mail")]
    [InlineData("mailinator.com", "disposable")]
    [InlineData("linkedin.com/company/acme", "social")]
    [InlineData("https://bit.ly/abc", "social")]
    [InlineData("www.facebook.com/acme", "social")]
    [InlineData("co.uk", "public suffix")]
    [InlineData("github.io", "public suffix")]
    [InlineData("com", "not a valid host")]
    [InlineData("acme.notatld", "unknown top-level")]
    [InlineData("192.168.0.1", "IP address")]
    [InlineData("http://[::1]/", "IP address")]
    [InlineData("acme .com", "whitespace")]
    [InlineData("http://", "not a valid host")]
    [InlineData("ht!tp://acme..com", "not a valid")]
    public void CompanyDomain_IsRejectedWithAReason(string input, string reason)
    {
        var result = DomainRules.CompanyDomain(input);

        Assert.Null(result.Value);
        Assert.Contains(reason, result.Rejection);
    }

    [Fact]
    public void CompanyDomain_RejectsTenKilobytes_WithoutParsingThem()
    {
        var result = DomainRules.CompanyDomain(new string('a', 10_240) + ".com");

        Assert.Contains("longer than", result.Rejection);
    }

    [Fact]
    public void PublicSuffixList_ParsesRules_WildcardsAndExceptions()
    {
        var list = PublicSuffixList.Parse(["// comment", "com", "*.kawasaki.jp", "!city.kawasaki.jp", "github.io"]);

        Assert.Equal("acme.com", list.RegistrableDomain("www.acme.com"));
        Assert.Equal("foo.bar.kawasaki.jp", list.RegistrableDomain("x.foo.bar.kawasaki.jp"));
        Assert.Equal("city.kawasaki.jp", list.RegistrableDomain("www.city.kawasaki.jp"));
        Assert.Equal("me.github.io", list.RegistrableDomain("me.github.io"));
        Assert.Null(list.RegistrableDomain("github.io"));
    }
}
