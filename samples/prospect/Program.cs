using Alavida.Samples.Prospect;

// Submits the sample ICP, candidates, people and signals to a running Alavida and prints the scored accounts.
// Usage: dotnet run --project samples/prospect -- [--url http://127.0.0.1:8080] [--key alv_...]
// (or ALAVIDA_URL / ALAVIDA_API_KEY in the environment).
var url = Option("--url") ?? Environment.GetEnvironmentVariable("ALAVIDA_URL") ?? "http://127.0.0.1:8080";
var key = Option("--key") ?? Environment.GetEnvironmentVariable("ALAVIDA_API_KEY");
if (string.IsNullOrWhiteSpace(key))
{
    Console.Error.WriteLine("Give a team API key: --key alv_... or ALAVIDA_API_KEY (the platform prints a dev team's key in its first start's banner).");
    return 2;
}

using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new("Bearer", key);
try
{
    await new ProspectSample(http, Console.Out, Path.Combine(AppContext.BaseDirectory, "data")).RunAsync();
    return 0;
}
catch (SampleException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"Cannot reach Alavida at {url}: {ex.Message}. Start it with `dotnet run --project src/Silo`.");
    return 1;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
