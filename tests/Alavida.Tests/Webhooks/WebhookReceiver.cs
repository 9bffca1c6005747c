using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Alavida.Tests.Webhooks;

/// <summary>
/// The other side of a webhook: a Kestrel server on loopback with one inbox per endpoint a test registers. Every request
/// is recorded with the secrets (of those the test gave its inbox) whose signature verifies, checked with the
/// StandardWebhooks library as a customer would; the inbox answers as its test scripts it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Inbox> _inboxes = new();
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hooks/{name}", HandleAsync);
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    /// <summary>A new inbox at its own URL, answering 200 until told otherwise.</summary>
    public Inbox Open()
    {
        var name = Guid.NewGuid().ToString("N");
        return _inboxes[name] = new Inbox(new Uri(Address, $"/hooks/{name}"));
    }

    private async Task HandleAsync(HttpContext context, string name)
    {
        if (!_inboxes.TryGetValue(name, out var inbox))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var verified = inbox.Secrets.Where(secret => Verifies(secret, body, context.Request.Headers)).ToList();
        var received = new Received(
            context.Request.Headers["webhook-id"].ToString(), context.Request.Headers["webhook-signature"].ToString(), body,
            JsonDocument.Parse(body).RootElement.Clone(), verified);
        var status = await inbox.ArriveAsync(received, context.RequestAborted);
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(status is >= 200 and < 300 ? "ok" : $"status {status}");
    }

    /// <summary>
    /// True when one of the header's signatures verifies with <paramref name="secret"/>. Each is given to the library
    /// on its own: StandardWebhooks 1.1.2 compares only the first signature of a header (docs/webhooks.md).
    /// </summary>
    private static bool Verifies(string secret, string body, IHeaderDictionary headers) =>
        headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(signature =>
        {
            var one = new HeaderDictionary(headers.ToDictionary(h => h.Key, h => h.Value)) { ["webhook-signature"] = signature };
            try
            {
                new StandardWebhook(secret).Verify(body, one);
                return true;
            }
            catch (WebhookVerificationException)
            {
                return false;
            }
        });

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(new CancellationToken(canceled: true));
            await _app.DisposeAsync();
        }
    }
}

/// <summary>One request as the receiver saw it: its webhook-id, body and which of the inbox's secrets verify it.</summary>
public sealed record Received(string WebhookId, string Signature, string Body, JsonElement Json, IReadOnlyList<string> VerifiedWith)
{
    public string Type => Json.GetProperty("type").GetString()!;

    public JsonElement Data => Json.GetProperty("data");
}

/// <summary>The requests of one endpoint, and how it answers (<see cref="Answer"/>: by default 200).</summary>
public sealed class Inbox(Uri url)
{
    private readonly List<Received> _received = [];
    private readonly List<(Func<IReadOnlyList<Received>, bool> Done, TaskCompletionSource<IReadOnlyList<Received>> Signal)> _waiters = [];

    public Uri Url { get; } = url;

    /// <summary>The secrets signatures are checked against (the test adds them as the API hands them out).</summary>
    public ConcurrentBag<string> Secrets { get; } = [];

    /// <summary>The answer to a request: its status (the request's abort token lets an answer hang until the sender gives up).</summary>
    public Func<Received, int, CancellationToken, Task<int>> Answer { get; set; } = (_, _, _) => Task.FromResult(200);

    public IReadOnlyList<Received> All
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Completes once the requests so far satisfy <paramref name="done"/>.</summary>
    public Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done)
    {
        lock (_received)
        {
            if (done(_received))
            {
                return Task.FromResult<IReadOnlyList<Received>>([.. _received]);
            }

            var signal = new TaskCompletionSource<IReadOnlyList<Received>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
    }

    internal Task<int> ArriveAsync(Received received, CancellationToken aborted)
    {
        int count;
        lock (_received)
        {
            _received.Add(received);
            count = _received.Count;
            foreach (var waiter in _waiters.Where(w => w.Done(_received)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult([.. _received]);
            }
        }

        return Answer(received, count, aborted);
    }
}
