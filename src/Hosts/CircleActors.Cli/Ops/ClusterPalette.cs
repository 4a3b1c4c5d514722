using System.CommandLine;

namespace CircleActors.Cli.Ops;

/// <summary><c>ops cluster show | leave | down</c> and <c>ops sharding regions | stats</c>.</summary>
public static class ClusterPalette
{
    public static Command Cluster()
    {
        var leaveAddress = new Argument<string>("address") { Description = "akka.tcp://circleactors@host:port" };
        var downAddress = new Argument<string>("address") { Description = "akka.tcp://circleactors@host:port" };
        return new Command("cluster", "Cluster membership")
        {
            OpsCommands.Leaf("show", "Members: address, roles, status, reachability, leader, shards and entities hosted, singletons", [], async (_, client, json, ct) =>
            {
                var cluster = await client.SendAsync(HttpMethod.Get, "/api/v2/admin/cluster", ct: ct);
                if (json) Table.PrintJson(cluster);
                else Table.Print(["Address", "Roles", "Status", "Reachable", "Leader", "Shards", "Entities", "Singletons"], cluster["members"]!.AsArray().Select(m => (IReadOnlyList<string>)
                [
                    Table.Cell(m!["address"]), string.Join(",", m["roles"]!.AsArray().Select(Table.Cell)), Table.Cell(m["status"]),
                    Table.Cell(m["reachable"]), m["leader"]!.GetValue<bool>() ? "*" : "",
                    Table.Cell(m["shards"]), Table.Cell(m["entities"]), m["singletons"]!.GetValue<bool>() ? "*" : "",
                ]));
                return 0;
            }),
            Change("leave", "Ask a member to leave the cluster gracefully", leaveAddress),
            Change("down", "Mark a member down (one that is gone for good)", downAddress),
        };
    }

    private static Command Change(string verb, string description, Argument<string> address) =>
        OpsCommands.Leaf(verb, description, [address], async (parse, client, json, ct) =>
        {
            var reply = await client.SendAsync(HttpMethod.Post, $"/api/v2/admin/cluster/{verb}", new { Address = parse.GetValue(address) }, ct);
            if (json) Table.PrintJson(reply);
            else Console.WriteLine(reply["message"]);
            return 0;
        });

    public static Command Sharding() => new("sharding", "Shards and entities per entity type and node")
    {
        OpsCommands.Leaf("regions", "Which node hosts shards of which entity type", [], (_, client, json, ct) => ShardingAsync(client, json, withEntities: false, ct)),
        OpsCommands.Leaf("stats", "Shards and entities per entity type and node", [], (_, client, json, ct) => ShardingAsync(client, json, withEntities: true, ct)),
    };

    private static async Task<int> ShardingAsync(Commands.ApiClient client, bool json, bool withEntities, CancellationToken ct)
    {
        var regions = (await client.SendAsync(HttpMethod.Get, "/api/v2/admin/sharding", ct: ct))["items"]!.AsArray();
        if (json) Table.PrintJson(regions);
        else if (withEntities)
            Table.Print(["Entity type", "Node", "Shards", "Entities"], regions.Select(r => (IReadOnlyList<string>)
                [Table.Cell(r!["entity_type"]), Table.Cell(r["node"]), Table.Cell(r["shards"]), Table.Cell(r["entities"])]));
        else
            Table.Print(["Entity type", "Node"], regions.Select(r => (IReadOnlyList<string>)[Table.Cell(r!["entity_type"]), Table.Cell(r["node"])]));
        return 0;
    }
}
