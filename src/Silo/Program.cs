using Alavida.Silo.Hosting;
using Serilog;

Log.Logger = ObservabilityExtensions.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
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
