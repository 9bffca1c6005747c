using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alavida.Tests.Billing;

/// <summary>
/// Stripe's API, the one external boundary billing has: a small Kestrel server on loopback that Stripe.net talks to
/// through <c>Stripe:ApiBase</c>. It records every request (form fields, idempotency key), answers like Stripe for the
/// objects billing creates, and replays the first answer for a repeated idempotency key, as Stripe does.
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _byIdempotencyKey = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StripeCall>> _paymentIntents = new();
    private WebApplication? _app;
    private int _sequence;

    public Uri Address { get; private set; } = null!;

    /// <summary>Every request Stripe.net sent, in arrival order.</summary>
    public ConcurrentQueue<StripeCall> Calls { get; } = new();

    public IEnumerable<StripeCall> CallsTo(string method, string path) => Calls.Where(c => c.Method == method && c.Path == path);

    /// <summary>Completes when a PaymentIntent is created for <paramref name="customerId"/>.</summary>
    public Task<StripeCall> PaymentIntentFor(string customerId) =>
        _paymentIntents.GetOrAdd(customerId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Map("/v1/{**path}", HandleAsync);
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    /// <summary>PaymentIntents Stripe "has" for GET /v1/payment_intents/{id}, with the metadata we set on them.</summary>
    private readonly ConcurrentDictionary<string, (Guid TeamId, Guid PurchaseId)> _knownPaymentIntents = new();

    /// <summary>Lets the fake answer GET /v1/payment_intents/{id} with our metadata, as Stripe does for a checkout's PaymentIntent.</summary>
    public void KnowPaymentIntent(string id, Guid teamId, Guid purchaseId) => _knownPaymentIntents[id] = (teamId, purchaseId);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method == "GET" && request.Path.StartsWithSegments("/v1/payment_intents", out var rest) && rest.Value!.Trim('/') is { Length: > 0 } intentId)
        {
            Calls.Enqueue(new StripeCall("GET", request.Path.Value!, new Dictionary<string, string>(), null, request.Headers.Authorization.ToString()));
            context.Response.ContentType = "application/json";
            if (_knownPaymentIntents.TryGetValue(intentId, out var owner))
            {
                await context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    id = intentId, @object = "payment_intent", status = "succeeded",
                    metadata = new { team_id = owner.TeamId.ToString(), purchase_id = owner.PurchaseId.ToString() },
                }));
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such payment_intent: '{intentId}'" },
                }));
            }

            return;
        }

        var form = request.HasFormContentType ? (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString()) : [];
        var key = request.Headers["Idempotency-Key"].ToString();
        var call = new StripeCall(request.Method, request.Path.Value!, form, key.Length > 0 ? key : null, request.Headers.Authorization.ToString());
        Calls.Enqueue(call);

        var answer = call.IdempotencyKey is { } k ? _byIdempotencyKey.GetOrAdd($"{call.Path}|{k}", _ => Answer(call)) : Answer(call);
        if (call.Method == "POST" && call.Path == "/v1/payment_intents" && form.TryGetValue("customer", out var customer))
        {
            _paymentIntents.GetOrAdd(customer, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(call with { Answer = answer });
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer);
    }

    private string Answer(StripeCall call)
    {
        var n = Interlocked.Increment(ref _sequence);
        object body = (call.Method, call.Path) switch
        {
            ("POST", "/v1/customers") => new { id = $"cus_test{n}", @object = "customer", name = call.Form.GetValueOrDefault("name") },
            ("POST", "/v1/checkout/sessions") => new
            {
                id = $"cs_test_{n}", @object = "checkout.session", mode = "payment", status = "open", payment_status = "unpaid",
                url = $"https://checkout.stripe.test/c/pay/cs_test_{n}", customer = call.Form.GetValueOrDefault("customer"),
                amount_total = long.TryParse(call.Form.GetValueOrDefault("line_items[0][price_data][unit_amount]"), out var amount) ? amount : 0,
                currency = call.Form.GetValueOrDefault("line_items[0][price_data][currency]"),
            },
            ("GET", var p) when p.EndsWith("/payment_methods", StringComparison.Ordinal) => new
            {
                @object = "list", url = p, has_more = false, data = new[] { new { id = "pm_card_visa", @object = "payment_method", type = "card" } },
            },
            ("POST", "/v1/payment_intents") => new
            {
                id = $"pi_topup_{n}", @object = "payment_intent", status = "processing", customer = call.Form.GetValueOrDefault("customer"),
                amount = long.Parse(call.Form["amount"]), currency = call.Form["currency"],
            },
            _ => new { error = new { type = "invalid_request_error", message = $"The fake has no {call.Method} {call.Path}" } },
        };
        return JsonSerializer.Serialize(body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>One request Stripe.net made.</summary>
public sealed record StripeCall(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? IdempotencyKey, string Authorization, string? Answer = null);
