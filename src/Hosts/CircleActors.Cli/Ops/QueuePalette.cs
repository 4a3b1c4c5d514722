using System.CommandLine;
using System.Text.Json.Nodes;

namespace CircleActors.Cli.Ops;

/// <summary><c>ops queue depth | list | cancel</c>: the run queue, oldest first.</summary>
public static class QueuePalette
{
    public static Command Queue() => new("queue", "The run queue: tasks waiting for a node") { Depth(), List(), Cancel() };

    private static Command Depth() => OpsCommands.Leaf("depth", "How many tasks wait", [], async (_, client, json, ct) =>
    {
        var queue = await client.SendAsync(HttpMethod.Get, "/api/v2/admin/queue", ct: ct);
        if (json) Table.PrintJson(new JsonObject { ["depth"] = queue["depth"]!.GetValue<int>() });
        else Console.WriteLine(queue["depth"]);
        return 0;
    });

    private static Command List()
    {
        var head = new Option<int?>("--head") { Description = "Only the N oldest" };
        var tail = new Option<int?>("--tail") { Description = "Only the N newest" };
        return OpsCommands.Leaf("list", "Waiting tasks, oldest first, with why each waits", [head, tail], async (parse, client, json, ct) =>
        {
            if (parse.GetValue(head) is < 0 || parse.GetValue(tail) is < 0) throw new ArgumentException("--head and --tail take a number of tasks, 0 or more");
            IEnumerable<JsonNode?> items = (await client.SendAsync(HttpMethod.Get, "/api/v2/admin/queue", ct: ct))["items"]!.AsArray();
            if (parse.GetValue(head) is { } h) items = items.Take(h);
            if (parse.GetValue(tail) is { } t) items = items.TakeLast(t);
            var shown = items.ToList();
            if (json) Table.PrintJson(new JsonArray(shown.Select(i => i!.DeepClone()).ToArray()));
            else Table.Print(["Job", "Task", "Attempt", "Resource class", "Queued", "Waited (s)", "Reason"], shown.Select(i => (IReadOnlyList<string>)
            [
                Table.Cell(i!["job_id"]), Table.Cell(i["task_index"]), Table.Cell(i["attempt"]), Table.Cell(i["resource_class"]),
                Table.Cell(i["queued_at"]), Table.Cell(i["waited_seconds"]), Table.Cell(i["reason"]),
            ]));
            return 0;
        });
    }

    private static Command Cancel()
    {
        var count = new Option<int>("--count") { Description = "How many of the jobs that waited longest to cancel", Required = true };
        return OpsCommands.Leaf("cancel", "Cancel the jobs that have waited longest, in one batch", [count], async (parse, client, json, ct) =>
        {
            var canceled = await client.SendAsync(HttpMethod.Post, "/api/v2/admin/queue/cancel", new { Count = parse.GetValue(count) }, ct);
            if (json) Table.PrintJson(canceled);
            else
            {
                var jobs = canceled["canceled"]!.AsArray();
                Console.WriteLine($"canceled {jobs.Count} job(s), oldest first");
                foreach (var job in jobs) Console.WriteLine(Table.Cell(job));
            }
            return 0;
        });
    }
}
