namespace Alavida.Grains.Identity;

/// <summary>The versioned rule set: its version, and the confidence each kind of evidence carries.</summary>
public static class IdentityRules
{
    /// <summary>Bump with any change to a rule or a data file that can change a result.</summary>
    public const string Version = "identity-rules/1.1.1";

    /// <summary>Key kinds, which are also the <c>evidence</c> values of company results.</summary>
    public static class Keys
    {
        public const string Domain = "domain";
        public const string LinkedIn = "linkedin";
        public const string Email = "email";
        public const string Name = "name";
    }

    /// <summary>Evidence values (see <c>docs/identity.md</c>).</summary>
    public static class Evidence
    {
        public const string Domain = "domain";
        public const string LinkedIn = "linkedin";
        public const string Name = "name";
        public const string NameAndCountry = "name+country";
        public const string WorkEmail = "work_email";
        public const string PersonalEmail = "personal_email";
        public const string NameAndCompany = "name+company";
    }

    /// <summary>The evidence of a company found through <paramref name="key"/>.</summary>
    public static string CompanyEvidence(Rules.IdentityKey key, string? country) => key.Kind switch
    {
        Keys.Domain => Evidence.Domain,
        Keys.LinkedIn => Evidence.LinkedIn,
        _ => country is null ? Evidence.Name : Evidence.NameAndCountry,
    };

    /// <summary>The evidence of a person found through <paramref name="key"/>.</summary>
    public static string PersonEvidence(Rules.IdentityKey key, bool isWorkEmail) => key.Kind switch
    {
        Keys.LinkedIn => Evidence.LinkedIn,
        Keys.Email => isWorkEmail ? Evidence.WorkEmail : Evidence.PersonalEmail,
        _ => Evidence.NameAndCompany,
    };

    /// <summary>The confidence of a matched or created result with the given evidence.</summary>
    public static double Confidence(string evidence) => evidence switch
    {
        Evidence.Domain => 0.99,
        Evidence.LinkedIn => 0.97,
        Evidence.WorkEmail => 0.95,
        Evidence.PersonalEmail => 0.9,
        Evidence.NameAndCountry => 0.8,
        Evidence.NameAndCompany => 0.75,
        Evidence.Name => 0.7,
        _ => 0,
    };
}
