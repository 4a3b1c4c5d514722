using System.CommandLine;
using CircleActors.Cli.Commands;

var root = new RootCommand("CircleActors: a self-hosted CI/CD server for .circleci/config.yml pipelines")
{
    ServerCommands.Server(),
    ServerCommands.Agent(),
    ClientCommands.Project(),
    ClientCommands.Pipeline(),
    ClientCommands.Workflow(),
    ClientCommands.Job(),
    ClientCommands.Logs(),
    BenchCommands.Bench(),
    ConfigCommands.Config(),
    OrbCommands.Orb(),
    CircleActors.Cli.Ops.OpsCommands.OpsWithShell(),
};
try
{
    // Our own handler below: a refused request or a bad option is one line, not a stack trace.
    // Signals are the commands' own: the server's host stops on them, the agent drains on the first.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (Exception ex) when (ex is ApiException or ArgumentException or InvalidOperationException or HttpRequestException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
