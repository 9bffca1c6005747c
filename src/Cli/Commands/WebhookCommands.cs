using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida webhooks list|create|get|update|delete|rotate-secret|test|deliveries|redeliver</c> (docs/webhooks.md).</summary>
public static class WebhookCommands
{
    public static Command Create(CliEnvironment env)
    {
        var webhooks = new Command("webhooks", "Your team's webhook endpoints: signed deliveries of job and mesh events\n\nExamples:\n  alavida webhooks create https://example.com/hooks --event job.succeeded --event 'meeting/*'\n  alavida webhooks deliveries <webhook-id>");
        var limit = new Option<int?>("--limit") { Description = "At most this many (1–200)" };
        var cursor = new Option<string>("--cursor") { Description = "The next page" };

        var list = new Command("list", "Your endpoints, newest first\n\nExample:\n  alavida webhooks list") { limit, cursor };
        list.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            context.Output.Page(await client.ListWebhooksAsync(parse.GetValue(limit), parse.GetValue(cursor), ct), Columns, "No webhooks. Add one: alavida webhooks create <url> --event job.succeeded");
            return ExitCodes.Ok;
        });

        var url = new Argument<string>("url") { Description = "Where deliveries are posted (https)" };
        var events = new Option<string[]>("--event", "-e")
        {
            Description = "An event name or a prefix ending in * (repeat, or separate with commas): job.succeeded, job.failed, job.cancelled, billing/credits.low, meeting/*",
            AllowMultipleArgumentsPerToken = false,
        };
        var description = new Option<string>("--description") { Description = "A note for your team" };
        var create = new Command("create", "Register an endpoint; prints its signing secret, shown this once\n\nExample:\n  alavida webhooks create https://example.com/hooks --event job.succeeded --event job.failed") { url, events, description };
        create.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var created = await client.CreateWebhookAsync(parse.GetValue(url)!, Events(parse.GetValue(events)), parse.GetValue(description), ct);
            context.Output.Object(created, [("Webhook", created.Text("webhook_id")), ("Secret", created.Text("secret")), ("URL", created.Text("webhook.url")), ("Events", created.Text("webhook.events"))]);
            if (context.Output.Human)
            {
                context.Output.Note("Keep the secret: it is not shown again (alavida webhooks rotate-secret makes a new one).");
            }

            return ExitCodes.Ok;
        });

        var id = new Argument<string>("webhook-id") { Description = "The webhook's id (alavida webhooks list shows them)" };
        var get = new Command("get", "One endpoint\n\nExample:\n  alavida webhooks get <webhook-id>") { id };
        get.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            Show(context, await client.GetWebhookAsync(parse.GetValue(id)!, ct));
            return ExitCodes.Ok;
        });

        var newUrl = new Option<string>("--url") { Description = "A new URL" };
        var enable = new Option<bool>("--enable") { Description = "Enable it (clears its failure record)" };
        var disable = new Option<bool>("--disable") { Description = "Disable it: no deliveries until enabled" };
        var update = new Command("update", "Change an endpoint's URL, events, description, or enable/disable it\n\nExamples:\n  alavida webhooks update <webhook-id> --enable\n  alavida webhooks update <webhook-id> --event 'signal/*'")
        {
            id, newUrl, events, description, enable, disable,
        };
        update.Handle(env, async (context, parse, ct) =>
        {
            if (parse.GetValue(enable) && parse.GetValue(disable))
            {
                throw new CliException(ExitCodes.Usage, "Give --enable or --disable, not both.");
            }

            var changes = new JsonObject();
            if (parse.GetValue(newUrl) is { } u)
            {
                changes["url"] = u;
            }

            if (parse.GetValue(events) is { Length: > 0 } e)
            {
                changes["events"] = new JsonArray([.. Events(e).Select(x => JsonValue.Create(x))]);
            }

            if (parse.GetValue(description) is { } d)
            {
                changes["description"] = d;
            }

            if (parse.GetValue(enable) || parse.GetValue(disable))
            {
                changes["enabled"] = parse.GetValue(enable);
            }

            if (changes.Count == 0)
            {
                throw new CliException(ExitCodes.Usage, "Nothing to change: give --url, --event, --description, --enable or --disable.");
            }

            using var client = context.Client();
            Show(context, await client.UpdateWebhookAsync(parse.GetValue(id)!, changes, ct));
            return ExitCodes.Ok;
        });

        var delete = new Command("delete", "Delete an endpoint and its delivery log\n\nExample:\n  alavida webhooks delete <webhook-id>") { id };
        delete.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            await client.DeleteWebhookAsync(parse.GetValue(id)!, ct);
            var deleted = JsonSerializer.SerializeToElement(new { webhook_id = parse.GetValue(id), deleted = true });
            context.Output.Object(deleted, [("Deleted", parse.GetValue(id))]);
            return ExitCodes.Ok;
        });

        var rotate = new Command("rotate-secret", "A new signing secret, shown once; the old one also signs for 24 h\n\nExample:\n  alavida webhooks rotate-secret <webhook-id>") { id };
        rotate.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var rotated = await client.RotateWebhookSecretAsync(parse.GetValue(id)!, ct);
            context.Output.Object(rotated, [("Webhook", rotated.Text("webhook_id")), ("Secret", rotated.Text("secret")), ("Old secret valid until", rotated.Time("previous_secret_expires_at"))]);
            return ExitCodes.Ok;
        });

        var test = new Command("test", "Send a webhook.test delivery to the endpoint\n\nExample:\n  alavida webhooks test <webhook-id>") { id };
        test.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var requested = await client.TestWebhookAsync(parse.GetValue(id)!, ct);
            context.Output.Object(requested, [("Delivery", requested.Text("delivery_id")), ("Follow", $"alavida webhooks deliveries {parse.GetValue(id)}")]);
            return ExitCodes.Ok;
        });

        var deliveries = new Command("deliveries", "The endpoint's deliveries, newest first: status, attempts, last response\n\nExample:\n  alavida webhooks deliveries <webhook-id> --limit 20") { id, limit, cursor };
        deliveries.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var page = await client.ListWebhookDeliveriesAsync(parse.GetValue(id)!, parse.GetValue(limit), parse.GetValue(cursor), ct);
            context.Output.Page(page,
            [
                new("DELIVERY", d => d.Text("delivery_id")), new("EVENT", d => d.Text("event_type")), new("STATUS", d => d.Text("status")),
                new("ATTEMPTS", d => d.Text("attempts")), new("CODE", d => d.Text("response_status") ?? d.Text("error")),
                new("LATENCY", d => d.Text("latency_ms") is { } ms ? $"{ms} ms" : null), new("CREATED", d => d.Time("created_at")),
            ], "No deliveries yet.");
            return ExitCodes.Ok;
        });

        var deliveryId = new Argument<string>("delivery-id") { Description = "The delivery (alavida webhooks deliveries lists them)" };
        var redeliver = new Command("redeliver", "Deliver a delivered or failed delivery again (same webhook-id and body)\n\nExample:\n  alavida webhooks redeliver <webhook-id> <delivery-id>") { id, deliveryId };
        redeliver.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var requested = await client.RedeliverWebhookAsync(parse.GetValue(id)!, parse.GetValue(deliveryId)!, ct);
            context.Output.Object(requested, [("Delivery", requested.Text("delivery_id")), ("Follow", $"alavida webhooks deliveries {parse.GetValue(id)}")]);
            return ExitCodes.Ok;
        });

        foreach (var command in new[] { list, create, get, update, delete, rotate, test, deliveries, redeliver })
        {
            webhooks.Subcommands.Add(command);
        }

        return webhooks;
    }

    private static readonly IReadOnlyList<Column> Columns =
    [
        new("WEBHOOK", w => w.Text("webhook_id")), new("URL", w => w.Text("url")), new("EVENTS", w => w.Text("events")),
        new("ENABLED", w => w.Text("enabled")), new("DISABLED", w => w.Text("disabled_reason")),
    ];

    private static IReadOnlyList<string> Events(string[]? given) =>
        [.. (given ?? []).SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static void Show(CliContext context, JsonElement webhook) => context.Output.Object(webhook,
    [
        ("Webhook", webhook.Text("webhook_id")), ("URL", webhook.Text("url")), ("Events", webhook.Text("events")), ("Description", webhook.Text("description")),
        ("Enabled", webhook.Text("enabled")), ("Disabled because", webhook.Text("disabled_reason")), ("Failing since", webhook.Time("failing_since")),
        ("Old secret valid until", webhook.Time("previous_secret_expires_at")), ("Created", webhook.Time("created_at")),
    ]);
}
