using System.CommandLine;
using CircleActors.Cli.Commands;

var root = new RootCommand("CircleActors: a self-hosted CI/CD server for .circleci/config.yml pipelines")
{
    ServerCommands.Server(),
    ServerCommands.Agent(),
    ClientCommands.Project(),
    ClientCommands.Pipeline(),
    ClientCommands.Logs(),
    BenchCommands.Bench(),
};
try
{
    return await root.Parse(args).InvokeAsync();
}
catch (ApiException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
