using System.CommandLine;
using System.Text.Json.Nodes;
using CircleActors.Cli.Commands;

namespace CircleActors.Cli.Ops;

/// <summary><c>ops node status | drain | eligibility</c>, after <c>nomad node ...</c>.</summary>
public static class NodePalette
{
    public static Command Node() => new("node", "Nodes: status, drain, eligibility") { Status(), Drain(), Eligibility() };

    private static Command Status()
    {
        var id = new Argument<string?>("id") { Description = "One node, in detail", Arity = ArgumentArity.ZeroOrOne };
        var self = new Option<bool>("-self", "--self") { Description = "The node of this machine (named after it, as agents are by default)" };
        var allocs = new Option<bool>("-allocs", "--allocs") { Description = "List each node's running allocations" };
        return OpsCommands.Leaf("status", "Nodes: ID, name, datacenter, class, drain, eligibility, status, allocations, capacity", [id, self, allocs],
            async (parse, client, json, ct) =>
            {
                var wanted = parse.GetValue(self) ? Environment.MachineName : parse.GetValue(id);
                if (wanted is not null)
                {
                    var node = await client.SendAsync(HttpMethod.Get, $"/api/v2/admin/nodes/{Uri.EscapeDataString(wanted)}", ct: ct);
                    if (json) Table.PrintJson(node);
                    else PrintNode(node);
                    return 0;
                }
                var nodes = (await client.SendAsync(HttpMethod.Get, "/api/v2/admin/nodes", ct: ct))["items"]!.AsArray();
                if (json)
                {
                    Table.PrintJson(nodes);
                    return 0;
                }
                Table.Print(["ID", "Name", "DC", "Class", "Drain", "Eligibility", "Status", "Allocs", "CPU used/total", "Memory MB used/total"],
                    nodes.Select(n => (IReadOnlyList<string>)
                    [
                        Table.Cell(n!["id"]), Table.Cell(n["name"]), Table.Cell(n["datacenter"]), Table.Cell(n["node_class"]), Table.Cell(n["drain"]),
                        Table.Cell(n["eligibility"]), Table.Cell(n["status"]), Table.Cell(n["running_allocations"]),
                        $"{Table.Cell(n["used_cpus"])}/{Table.Cell(n["capacity_cpus"])}", $"{Table.Cell(n["used_memory_mb"])}/{Table.Cell(n["capacity_memory_mb"])}",
                    ]));
                if (parse.GetValue(allocs))
                    foreach (var n in nodes)
                    {
                        Console.WriteLine($"\nAllocations on {n!["id"]}");
                        Table.Print(["Job/Task"], n["allocations"]!.AsArray().Select(a => (IReadOnlyList<string>)[Table.Cell(a)]));
                    }
                return 0;
            });
    }

    private static void PrintNode(JsonNode node)
    {
        Table.PrintFields(
        [
            ("ID", Table.Cell(node["id"])), ("Name", Table.Cell(node["name"])), ("Datacenter", Table.Cell(node["datacenter"])),
            ("Class", Table.Cell(node["node_class"])), ("Drain", Table.Cell(node["drain"])), ("Drain deadline", Table.Cell(node["drain_deadline"])),
            ("Eligibility", Table.Cell(node["eligibility"])), ("Status", Table.Cell(node["status"])),
            ("CPUs used/total", $"{Table.Cell(node["used_cpus"])}/{Table.Cell(node["capacity_cpus"])}"),
            ("Memory MB used/total", $"{Table.Cell(node["used_memory_mb"])}/{Table.Cell(node["capacity_memory_mb"])}"),
            ("Last seen", Table.Cell(node["last_seen"])),
        ]);
        Console.WriteLine($"\nAllocations ({node["running_allocations"]})");
        foreach (var allocation in node["allocations"]!.AsArray()) Console.WriteLine(Table.Cell(allocation));
    }

    private static Command Drain()
    {
        var id = new Argument<string>("id");
        var enable = new Option<bool>("-enable", "--enable") { Description = "Drain: take no new tasks, finish those running" };
        var disable = new Option<bool>("-disable", "--disable") { Description = "Stop draining" };
        var yes = new Option<bool>("-yes", "--yes") { Description = "Do not ask for confirmation" };
        var deadline = new Option<string?>("-deadline", "--deadline") { Description = "After this long (90s, 5m, 1h) what still runs ends infrastructure_fail and runs again elsewhere" };
        return OpsCommands.Leaf("drain", "Drain a node, or stop draining it", [id, enable, disable, yes, deadline], async (parse, client, json, ct) =>
        {
            var on = EnableOrDisable(parse, enable, disable);
            var node = parse.GetValue(id)!;
            if (!on && parse.GetValue(deadline) is not null) throw new ArgumentException("-deadline goes with -enable");
            double? seconds = parse.GetValue(deadline) is { } text ? Durations.Parse(text).TotalSeconds : null;
            if (!parse.GetValue(yes) && !Confirm($"Are you sure you want to {(on ? "enable" : "disable")} drain for node {node}? [y/N] ")) return 1;
            var changed = await client.SendAsync(HttpMethod.Post, $"/api/v2/admin/nodes/{Uri.EscapeDataString(node)}/drain",
                new { Enable = on, DeadlineSeconds = seconds }, ct);
            if (json) Table.PrintJson(changed);
            else Console.WriteLine($"Node {changed["id"]} drain strategy {(on ? "set" : "unset")}"
                + (on && changed["drain_deadline"] is { } d ? $" (deadline {d})" : "") + $"; {changed["running_allocations"]} allocations running");
            return 0;
        });
    }

    private static Command Eligibility()
    {
        var id = new Argument<string>("id");
        var enable = new Option<bool>("-enable", "--enable") { Description = "The node may be given new tasks" };
        var disable = new Option<bool>("-disable", "--disable") { Description = "The node is given no new tasks" };
        return OpsCommands.Leaf("eligibility", "Make a node eligible for new tasks, or not", [id, enable, disable], async (parse, client, json, ct) =>
        {
            var on = EnableOrDisable(parse, enable, disable);
            var changed = await client.SendAsync(HttpMethod.Post, $"/api/v2/admin/nodes/{Uri.EscapeDataString(parse.GetValue(id)!)}/eligibility", new { Eligible = on }, ct);
            if (json) Table.PrintJson(changed);
            else Console.WriteLine($"Node {changed["id"]} scheduling eligibility set: {changed["eligibility"]}");
            return 0;
        });
    }

    private static bool EnableOrDisable(ParseResult parse, Option<bool> enable, Option<bool> disable) => (parse.GetValue(enable), parse.GetValue(disable)) switch
    {
        (true, false) => true,
        (false, true) => false,
        _ => throw new ArgumentException("give exactly one of -enable and -disable"),
    };

    private static bool Confirm(string question)
    {
        Console.Write(question);
        var answer = Console.ReadLine()?.Trim().ToLowerInvariant();
        return answer is "y" or "yes";
    }
}
