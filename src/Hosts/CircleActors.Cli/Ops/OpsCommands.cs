using System.CommandLine;
using System.Text.Json.Nodes;
using CircleActors.Cli.Commands;

namespace CircleActors.Cli.Ops;

/// <summary>
/// <c>circleactors ops</c>: what a CircleCI Server operator does with <c>nomad</c> and the dev
/// console, over the server's authenticated admin API. Palettes of commands, each printing
/// aligned columns, or the API's JSON with <c>-json</c>.
/// </summary>
public static class OpsCommands
{
    /// <summary>What a leaf command does with its parse result, a client of the API, and whether JSON was asked for; its exit code.</summary>
    public delegate Task<int> Action(ParseResult parse, ApiClient client, bool json, CancellationToken ct);

    public static Command Ops() => new("ops", "Operate the installation: nodes, jobs, builds, the run queue, the cluster, health and metrics")
    {
        NodePalette.Node(), JobPalette.Job(), BuildPalette.Build(), QueuePalette.Queue(), ClusterPalette.Cluster(), ClusterPalette.Sharding(),
        Leaf("health", "Every component's health check", [], HealthAsync),
        Leaf("metrics", "Current values of the circle.* metrics", [], MetricsAsync),
    };

    /// <summary>The palettes, plus <c>shell</c> to run them interactively.</summary>
    public static Command OpsWithShell()
    {
        var ops = Ops();
        ops.Subcommands.Add(OpsShell.Shell());
        return ops;
    }

    /// <summary>A command with the connection options and <c>-json</c>, running <paramref name="action"/>.</summary>
    public static Command Leaf(string name, string description, IReadOnlyList<Symbol> symbols, Action action)
    {
        var dataDir = ClientCommands.DataDir;
        var json = new Option<bool>("-json", "--json") { Description = "Print the API's JSON" };
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            if (symbol is Argument argument) command.Arguments.Add(argument);
            else if (symbol is Option option) command.Options.Add(option);
        }
        command.Options.Add(json);
        ClientCommands.AddConnection(command, dataDir);
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientCommands.Client(parse, dataDir);
            return await action(parse, client, parse.GetValue(json), ct);
        });
        return command;
    }

    private static async Task<int> HealthAsync(ParseResult parse, ApiClient client, bool json, CancellationToken ct)
    {
        var (status, text) = await client.SendForAnyStatusAsync(HttpMethod.Get, "/health-check", ct: ct);
        var report = JsonNode.Parse(text)!;
        if (json) Table.PrintJson(report);
        else
        {
            Table.Print(["Component", "Status", "Duration", "Description"], report["components"]!.AsArray().Select(c => (IReadOnlyList<string>)
                [Table.Cell(c!["name"]), Table.Cell(c["status"]), Table.Cell(c["duration_ms"]) + "ms", Table.Cell(c["description"])]));
            Console.WriteLine($"\nOverall: {report["status"]} ({(int)status})");
        }
        return status == System.Net.HttpStatusCode.OK ? 0 : 1;
    }

    /// <summary>The circle.* series of the Prometheus scrape, as name, labels and value.</summary>
    private static async Task<int> MetricsAsync(ParseResult parse, ApiClient client, bool json, CancellationToken ct)
    {
        var scrape = await client.SendForTextAsync(HttpMethod.Get, "/metrics", ct: ct);
        var series = scrape.Split('\n').Where(l => l.StartsWith("circle_", StringComparison.Ordinal)).Select(line =>
        {
            var split = line.LastIndexOf(' ');
            var name = line[..split];
            var brace = name.IndexOf('{');
            return (Name: brace < 0 ? name : name[..brace], Labels: brace < 0 ? "" : name[(brace + 1)..^1], Value: line[(split + 1)..]);
        }).Where(s => !s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        if (json)
            Table.PrintJson(new JsonArray(series.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["labels"] = s.Labels, ["value"] = s.Value }).ToArray()));
        else
            Table.Print(["Metric", "Labels", "Value"], series.Select(s => (IReadOnlyList<string>)[s.Name, s.Labels.Length == 0 ? "-" : s.Labels, s.Value]));
        return 0;
    }
}
