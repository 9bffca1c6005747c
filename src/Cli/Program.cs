using Alavida.Cli;

return await AlavidaCli.RunAsync(args, CliEnvironment.System());
