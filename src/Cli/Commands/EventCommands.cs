using System.CommandLine;
using System.Text.Json.Nodes;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida events send|list</c>: the mesh's events of your team.</summary>
public static class EventCommands
{
    public static Command Create(CliEnvironment env)
    {
        var events = new Command("events", "Send events into the mesh and list them");

        var name = new Argument<string>("name") { Description = "The event's name (e.g. meeting/transcript.received)" };
        var data = new Option<string>("--data", "-d") { Description = "The event's data: a JSON file, or - for standard input (default: {})" };
        var id = new Option<string>("--id") { Description = "The event's id (deduplicates: sending the same id again starts nothing)" };
        var send = new Command("send", "Send one event; its functions run under your team\n\nExamples:\n  alavida events send lead/approved --data approval.json\n  echo '{\"company_id\":\"…\"}' | alavida events send lead/approved --data -") { name, data, id };
        send.Handle(env, async (context, parse, ct) =>
        {
            var payload = parse.GetValue(data) is { } path ? JsonInputs.Read(context, path) : new JsonObject();
            var e = new JsonObject { ["name"] = parse.GetValue(name), ["data"] = payload };
            if (parse.GetValue(id) is { } eventId)
            {
                e["id"] = eventId;
            }

            using var client = context.Client();
            var sent = await client.SendEventsAsync(e, ct);
            context.Output.Object(sent, [("Sent", sent.Text("ids")), ("Duplicates", sent.Text("duplicates") is { Length: > 0 } d ? d : null)]);
            return ExitCodes.Ok;
        });

        var filterName = new Option<string>("--name") { Description = "Only events of this name" };
        var since = new Option<string>("--since") { Description = "Received at or after this time (ISO 8601)" };
        var limit = new Option<int?>("--limit") { Description = "At most this many (1–100)" };
        var cursor = new Option<string>("--cursor") { Description = "The next page" };
        var list = new Command("list", "Your team's events, newest first\n\nExample:\n  alavida events list --name icp/company.qualified --limit 50") { filterName, since, limit, cursor };
        list.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var page = await client.ListEventsAsync(parse.GetValue(filterName), parse.GetValue(since), parse.GetValue(limit), parse.GetValue(cursor), ct);
            context.Output.Page(page, [new("ID", e => e.Text("id")), new("NAME", e => e.Text("name")), new("RECEIVED", e => e.Time("received_at") ?? e.Time("ts")), new("TRACE", e => e.Text("trace_id"))], "No events.");
            return ExitCodes.Ok;
        });

        events.Subcommands.Add(send);
        events.Subcommands.Add(list);
        events.Subcommands.Add(Keys(env));
        return events;
    }

    /// <summary><c>alavida events keys list|create|revoke</c>: keys for connectors and Inngest SDKs (POST /e/{key}).</summary>
    private static Command Keys(CliEnvironment env)
    {
        var keys = new Command("keys", "Event keys: what connectors and Inngest SDKs send with, to POST /e/{key} (they can only send events)");

        var list = new Command("list", "Your team's event keys (never their secrets)\n\nExample:\n  alavida events keys list");
        list.Handle(env, async (context, _, ct) =>
        {
            using var client = context.Client();
            context.Output.Page(await client.ListEventKeysAsync(ct),
                [new("KEY", k => k.Text("key_id")), new("NAME", k => k.Text("name")), new("PREFIX", k => k.Text("prefix")), new("CREATED", k => k.Time("created_at")),
                 new("LAST USED", k => k.Time("last_used_at")), new("REVOKED", k => k.Time("revoked_at"))], "No event keys (alavida events keys create <name> makes one).");
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "What the key is for (e.g. the connector's name)" };
        var create = new Command("create", "Create an event key; it is printed once, keep it in your connector's secrets\n\nExample:\n  alavida events keys create n8n-granola") { name };
        create.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var key = await client.CreateEventKeyAsync(parse.GetValue(name)!, ct);
            context.Output.Object(key, [("Key", key.Text("key")), ("Id", key.Text("key_id")), ("Send to", $"{context.Url}e/<key>  (shown once: store it now)")]);
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("key_id") { Description = "The key's id (from alavida events keys list)" };
        var revoke = new Command("revoke", "Revoke an event key at once\n\nExample:\n  alavida events keys revoke 0193…") { id };
        revoke.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            await client.RevokeEventKeyAsync(parse.GetValue(id)!, ct);
            if (context.Output.Human)
            {
                context.Output.Note($"Revoked event key {parse.GetValue(id)}.");
            }
            else
            {
                context.Output.Json(new { key_id = parse.GetValue(id), revoked = true });
            }
            return ExitCodes.Ok;
        });

        keys.Subcommands.Add(list);
        keys.Subcommands.Add(create);
        keys.Subcommands.Add(revoke);
        return keys;
    }
}
