using System.CommandLine;
using System.Text;
using Alavida.Client;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida auth login|whoami|logout</c>.</summary>
public static class AuthCommands
{
    public static Command Create(CliEnvironment env)
    {
        var auth = new Command("auth", "Sign in to a platform with an API key, see who you are, sign out");

        var url = new Option<string>("--url") { Description = $"The platform's address (default: ALAVIDA_URL, the current one, or {CliConfig.DefaultUrl})" };
        var login = new Command("login", """
            Check an API key and keep it (with the URL) in your config directory, readable by you only.
            The key is read from a hidden prompt, or from standard input when piped; never pass it as an argument.

            Examples:
              alavida auth login
              alavida auth login --url https://alavida.example.com
              printenv MY_KEY | alavida auth login
            """) { url };
        login.Handle(env, async (context, parse, ct) =>
        {
            // An unreadable config file is what login replaces, so it is not read strictly here.
            var saved = CliConfig.LoadOrEmpty(env);
            var address = CliContext.ParseUrl(parse.GetValue(url) ?? (env.Variable("ALAVIDA_URL") is { Length: > 0 } fromEnv ? fromEnv : saved.Url ?? CliConfig.DefaultUrl));
            var key = (ReadKey(context) ?? "").Trim();
            if (key.Length == 0)
            {
                throw new CliException(ExitCodes.Usage, "No API key was given (paste it at the prompt, or pipe it to standard input).");
            }

            using var client = AlavidaClient.Create(address, key);
            var me = await client.MeAsync(ct);
            var config = saved;
            config.Url = address.ToString().TrimEnd('/');
            config.ApiKey = key;
            config.Save(env);
            context.Output.Object(me, [("Signed in to", config.Url), ("Team", $"{me.Text("team_name")} ({me.Text("team_id")})"), ("Key", me.Text("key_name")), ("Saved in", CliConfig.PathFor(env))]);
            return ExitCodes.Ok;
        });

        var whoami = new Command("whoami", "Show the team, API key and balance you are signed in with\n\nExample:\n  alavida auth whoami --json");
        whoami.Handle(env, async (context, _, ct) =>
        {
            using var client = context.Client();
            var me = await client.MeAsync(ct);
            var credits = await client.CreditsAsync(ct);
            var shape = new Dictionary<string, object?>
            {
                ["url"] = context.Url.ToString().TrimEnd('/'),
                ["team_id"] = me.Text("team_id"),
                ["team_name"] = me.Text("team_name"),
                ["key_id"] = me.Text("key_id"),
                ["key_name"] = me.Text("key_name"),
                ["balance"] = credits.GetProperty("balance").GetInt64(),
            };
            if (!context.Output.Human)
            {
                context.Output.Json(shape);
                return ExitCodes.Ok;
            }

            context.Output.Object(me, [("URL", (string)shape["url"]!), ("Team", $"{me.Text("team_name")} ({me.Text("team_id")})"), ("Key", $"{me.Text("key_name")} ({me.Text("key_id")})"), ("Balance", $"{shape["balance"]} credits")]);
            return ExitCodes.Ok;
        });

        var logout = new Command("logout", "Forget the saved API key (the URL stays)\n\nExample:\n  alavida auth logout");
        logout.Handle(env, (context, _, _) =>
        {
            var config = CliConfig.LoadOrEmpty(env);
            var had = config.ApiKey is not null;
            config.ApiKey = null;
            if (File.Exists(CliConfig.PathFor(env)))
            {
                config.Save(env);
            }

            context.Output.Note(had ? "Signed out: the saved API key is forgotten." : "No saved API key; nothing to forget.");
            if (!string.IsNullOrEmpty(env.Variable("ALAVIDA_API_KEY")))
            {
                context.Output.Note("ALAVIDA_API_KEY is still set in your environment and is used until you unset it.");
            }

            return Task.FromResult(ExitCodes.Ok);
        });

        auth.Subcommands.Add(login);
        auth.Subcommands.Add(whoami);
        auth.Subcommands.Add(logout);
        return auth;
    }

    /// <summary>From a piped standard input, or a prompt that does not echo.</summary>
    private static string? ReadKey(CliContext context)
    {
        if (!context.Env.InputIsTerminal)
        {
            return context.Env.In.ReadLine();
        }

        context.Env.Error.Write("API key: ");
        var key = new StringBuilder();
        while (true)
        {
            var pressed = Console.ReadKey(intercept: true);
            if (pressed.Key == ConsoleKey.Enter)
            {
                context.Env.Error.WriteLine();
                return key.ToString();
            }

            if (pressed.Key == ConsoleKey.Backspace)
            {
                if (key.Length > 0)
                {
                    key.Length--;
                }
            }
            else if (!char.IsControl(pressed.KeyChar))
            {
                key.Append(pressed.KeyChar);
            }
        }
    }
}
