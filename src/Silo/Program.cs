using Alavida.Silo.Hosting;
using Serilog;

Log.Logger = ObservabilityExtensions.CreateBootstrapLogger();
try
{
    // Settings ship beside the binary, so the host finds them whatever the working directory.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    await builder.AddAlavidaPlatformAsync();

    var app = builder.Build();
    app.MapAlavidaPlatform();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "Alavida stopped: {Reason}", ex.Message);
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
