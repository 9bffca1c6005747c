using System.ComponentModel.DataAnnotations;

namespace Alavida.Grains.Billing;

/// <summary>Stripe access, section <c>Stripe</c>. Without <see cref="SecretKey"/> billing is off (its endpoints answer 503).</summary>
public sealed class StripeOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Stripe";

    /// <summary>The secret API key (<c>sk_live_…</c> or <c>sk_test_…</c>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>The webhook endpoint's signing secret (<c>whsec_…</c>).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Stripe's API address; set only for tests and self-hosted mocks.</summary>
    public string? ApiBase { get; set; }

    /// <summary>How old a webhook's signed timestamp may be, in seconds (Stripe's default: 300).</summary>
    [Range(1, 3600)]
    public long WebhookToleranceSeconds { get; set; } = 300;

    /// <summary>True when a secret key is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(SecretKey);
}

/// <summary>What teams can buy, section <c>Billing</c>.</summary>
public sealed class BillingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Billing";

    /// <summary>The packs on sale.</summary>
    public List<CreditPack> Packs { get; set; } = [];

    /// <summary>Where Stripe Checkout sends the buyer after paying (may contain <c>{CHECKOUT_SESSION_ID}</c>).</summary>
    [Required, Url]
    public string SuccessUrl { get; set; } = "http://127.0.0.1:8080/app/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}";

    /// <summary>Where Stripe Checkout sends a buyer who gives up.</summary>
    [Required, Url]
    public string CancelUrl { get; set; } = "http://127.0.0.1:8080/app/billing?checkout=cancelled";

    /// <summary>The pack with this id, if on sale.</summary>
    public CreditPack? Find(string id) => Packs.FirstOrDefault(p => p.Id == id);
}
