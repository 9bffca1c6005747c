using System.CommandLine;
using System.Text.Json;
using Alavida.Client;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida search|info|add|list|diff|update|remove</c>: the registry and the skills installed in a project.</summary>
public static class RegistryCommands
{
    public static IEnumerable<Command> Create(CliEnvironment env)
    {
        var dir = new Option<string>("--dir") { Description = "The project root (default: the current directory); skills go in <dir>/.claude/skills, the lockfile in <dir>/alavida.lock.json" };
        var force = new Option<bool>("--force") { Description = "Overwrite or remove a skill even if it was edited locally" };

        var query = new Argument<string>("query") { Description = "Words that must all appear", Arity = ArgumentArity.ZeroOrOne };
        var search = new Command("search", "Search the registry's components\n\nExamples:\n  alavida search signals\n  alavida search --json") { query };
        search.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var page = await client.SearchRegistryAsync(parse.GetValue(query), ct);
            context.Output.Page(page, [new("SLUG", c => c.Text("slug")), new("VERSION", c => c.Text("version")), new("KIND", c => c.Text("kind")), new("ACTIONS", c => c.Text("actions")), new("DESCRIPTION", c => c.Text("description"))], "No component matches.");
            return ExitCodes.Ok;
        });

        var slug = new Argument<string>("slug") { Description = "The component (e.g. identity)" };
        var info = new Command("info", "A component: its actions with their input fields and prices, events and data\n\nExample:\n  alavida info buying-signals") { slug };
        info.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var component = await client.GetComponentAsync(parse.GetValue(slug)!, ct);
            if (!context.Output.Human)
            {
                context.Output.Json(component);
                return ExitCodes.Ok;
            }

            var output = context.Output;
            output.Line($"{component.Text("name")} ({component.Text("slug")}) {component.Text("version")}, {component.Text("kind")}");
            output.Line(component.Text("description") ?? "");
            output.Line();
            output.Table([
                new("ACTION", a => a.Text("name")),
                new("PRICE", a => $"{a.Text("price_per_unit")} / {a.Text("unit")}"),
                new("INPUT", a => InputFields(a.GetProperty("input_schema"))),
                new("AVAILABLE", a => a.Text("available") == "true" ? "yes" : "no (501)"),
                new("SUMMARY", a => a.Text("summary")),
            ], component.GetProperty("actions").EnumerateArray());
            output.Line();
            output.Line($"Consumes: {component.Text("events.consumes") ?? "-"}");
            output.Line($"Emits:    {component.Text("events.emits") ?? "-"}");
            output.Line($"Data:     {component.Text("data") ?? "-"}");
            output.Line($"Skill:    alavida add {component.Text("slug")}   (sha256 {component.Text("skill_sha256")?[..12]}…)");
            return ExitCodes.Ok;
        });

        var slugs = new Argument<string[]>("slug") { Description = "One or more components", Arity = ArgumentArity.OneOrMore };
        var add = new Command("add", "Install components' skills into this project (.claude/skills/<slug>/SKILL.md) and record them in alavida.lock.json\n\nExamples:\n  alavida add identity icp-discovery\n  alavida add buying-signals --dir ../my-project") { slugs, dir, force };
        add.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var installer = Installer(context, client, parse.GetValue(dir));
            var changes = new List<SkillChange>();
            try
            {
                foreach (var name in parse.GetValue(slugs)!)
                {
                    changes.Add(await installer.AddAsync(name, parse.GetValue(force), ct));
                }
            }
            finally
            {
                // What was installed before a failure stays installed (and in the lockfile): say so.
                if (changes.Count > 0)
                {
                    PrintChanges(context, changes);
                }
            }

            return ExitCodes.Ok;
        });

        var list = new Command("list", "The skills installed in this project, and which have an update or local edits\n\nExample:\n  alavida list") { dir };
        list.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var statuses = await Installer(context, client, parse.GetValue(dir)).ListAsync(ct);
            var page = JsonSerializer.SerializeToElement(new { items = statuses.Select(s => new { slug = s.Slug, version = s.Version, latest_version = s.LatestVersion, state = s.State, path = s.Path }), next_cursor = (string?)null });
            context.Output.Page(page, [new("SLUG", s => s.Text("slug")), new("INSTALLED", s => s.Text("version")), new("LATEST", s => s.Text("latest_version")), new("STATE", s => s.Text("state")), new("PATH", s => s.Text("path"))],
                "No skills installed here (alavida add <slug> installs one).");
            return ExitCodes.Ok;
        });

        var optionalSlug = new Argument<string?>("slug") { Description = "One component (default: every installed one)", Arity = ArgumentArity.ZeroOrOne };
        var diff = new Command("diff", "A unified diff of installed skills against the registry (exit 1 when they differ)\n\nExamples:\n  alavida diff\n  alavida diff identity") { optionalSlug, dir };
        diff.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var installer = Installer(context, client, parse.GetValue(dir));
            var targets = parse.GetValue(optionalSlug) is { } one ? [one] : installer.Installed.ToList();
            var diffs = new Dictionary<string, string>();
            foreach (var target in targets)
            {
                var (local, registry, path) = await installer.CompareAsync(target, ct);
                diffs[target] = UnifiedDiff.Create(local, registry, $"a/{path}", $"b/{path} (registry)");
            }

            if (!context.Output.Human)
            {
                context.Output.Json(new { diffs = diffs.Select(d => new { slug = d.Key, differs = d.Value.Length > 0, diff = d.Value }) });
            }
            else
            {
                foreach (var text in diffs.Values.Where(d => d.Length > 0))
                {
                    context.Env.Out.Write(text);
                }

                if (diffs.Values.All(d => d.Length == 0))
                {
                    context.Output.Note(targets.Count == 0 ? "No skills installed here." : "No differences from the registry.");
                }
            }

            return diffs.Values.Any(d => d.Length > 0) ? ExitCodes.Failed : ExitCodes.Ok;
        });

        var slugsToUpdate = new Argument<string[]>("slug") { Description = "Components to update (default: every installed one)", Arity = ArgumentArity.ZeroOrMore };
        var update = new Command("update", "Update installed skills to the registry's version; refuses a skill edited locally unless --force\n\nExamples:\n  alavida update\n  alavida update identity --force") { slugsToUpdate, dir, force };
        update.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client(requireKey: false);
            var changes = await Installer(context, client, parse.GetValue(dir)).UpdateAsync(parse.GetValue(slugsToUpdate) ?? [], parse.GetValue(force), ct);
            PrintChanges(context, changes);
            return ExitCodes.Ok;
        });

        var remove = new Command("remove", "Remove an installed skill and its lockfile entry\n\nExample:\n  alavida remove identity") { slug, dir, force };
        remove.Handle(env, (context, parse, _) =>
        {
            using var client = context.Client(requireKey: false);
            PrintChanges(context, [Installer(context, client, parse.GetValue(dir)).Remove(parse.GetValue(slug)!, parse.GetValue(force))]);
            return Task.FromResult(ExitCodes.Ok);
        });

        return [search, info, add, list, diff, update, remove];
    }

    private static SkillInstaller Installer(CliContext context, AlavidaClient client, string? dir) =>
        new(client, Path.GetFullPath(dir ?? ".", context.Env.WorkingDirectory));

    private static void PrintChanges(CliContext context, IReadOnlyList<SkillChange> changes)
    {
        if (!context.Output.Human)
        {
            context.Output.Json(new { changes = changes.Select(c => new { slug = c.Slug, action = c.Action, version = c.Version, path = c.Path }) });
            return;
        }

        foreach (var change in changes)
        {
            context.Output.Line(change.Action switch
            {
                "removed" => $"Removed {change.Slug} ({change.Path}).",
                "unchanged" => $"{change.Slug} {change.Version} is up to date ({change.Path}).",
                _ => $"{char.ToUpperInvariant(change.Action[0])}{change.Action[1..]} {change.Slug} {change.Version} → {change.Path}",
            });
        }
    }

    /// <summary>An input schema's top-level fields, required ones marked with *.</summary>
    private static string InputFields(JsonElement schema)
    {
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return "-";
        }

        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.GetString()).ToHashSet()
            : [];
        return string.Join(", ", properties.EnumerateObject().Select(p => required.Contains(p.Name) ? p.Name + "*" : p.Name));
    }
}
