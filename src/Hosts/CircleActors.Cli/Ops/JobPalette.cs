using System.CommandLine;
using CircleActors.Server.Api;

namespace CircleActors.Cli.Ops;

/// <summary><c>ops job status</c>, after <c>nomad status</c>: running, pending (with the scheduler's reason) and dead jobs.</summary>
public static class JobPalette
{
    public static Command Job() => new("job", "Jobs as the scheduler sees them, and their logs") { Status(), Logs() };

    /// <summary>After <c>nomad alloc logs</c>: the step output by default, the agent's own log of the task with <c>-stderr</c>.</summary>
    private static Command Logs()
    {
        var id = new Argument<string>("job") { Description = "A job id, its link (https://…/jobs/ID) or gh/org/repo/NUMBER" };
        var stderr = new Option<bool>("-stderr", "--stderr") { Description = "The agent's own log of the task (assigned, environment, cancel, end) instead of the step output" };
        var alloc = new Option<int>("-alloc", "--alloc") { Description = "Which parallel task (0 to parallelism-1); its latest attempt", DefaultValueFactory = _ => 0 };
        return OpsCommands.Leaf("logs", "A job's step output, or with -stderr the agent's log of it, for one parallel task", [id, stderr, alloc],
            async (parse, client, json, ct) =>
            {
                var logs = await client.SendAsync(HttpMethod.Get,
                    $"/api/v2/admin/job-logs?job={Uri.EscapeDataString(parse.GetValue(id)!)}&alloc={parse.GetValue(alloc)}", ct: ct);
                if (json) Table.PrintJson(logs);
                else if (parse.GetValue(stderr)) Console.Write(logs["agent_log"]!.GetValue<string>());
                else
                    foreach (var step in logs["steps"]!.AsArray())
                    {
                        Console.Write(JobLogsApi.StepHeader("", step!["name"]!.GetValue<string>(), step["status"]!.GetValue<string>(),
                            step["exit_code"]?.GetValue<int>()));
                        Console.Write(step["output"]!.GetValue<string>());
                    }
                return 0;
            });
    }

    private static Command Status()
    {
        var id = new Argument<string?>("id") { Description = "One job (its id), in detail", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("-all", "--all") { Description = "Dead jobs too (the 500 most recent)" };
        return OpsCommands.Leaf("status", "Running and pending jobs (-all: dead ones too), with why a pending job waits", [id, all], async (parse, client, json, ct) =>
        {
            if (parse.GetValue(id) is { } one)
            {
                var job = await client.SendAsync(HttpMethod.Get, $"/api/v2/admin/jobs/{Uri.EscapeDataString(one)}", ct: ct);
                if (json) Table.PrintJson(job);
                else Table.PrintFields(
                [
                    ("ID", Table.Cell(job["id"])), ("Project", Table.Cell(job["project"])), ("Number", Table.Cell(job["number"])), ("Name", Table.Cell(job["name"])),
                    ("Status", $"{Table.Cell(job["class"])} ({Table.Cell(job["status"])})"), ("Nodes", string.Join(", ", job["nodes"]!.AsArray().Select(Table.Cell))),
                    ("Pending reason", Table.Cell(job["pending_reason"])), ("Queued", Table.Cell(job["queued_at"])),
                    ("Started", Table.Cell(job["started_at"])), ("Stopped", Table.Cell(job["stopped_at"])),
                ]);
                return 0;
            }
            var jobs = (await client.SendAsync(HttpMethod.Get, $"/api/v2/admin/jobs{(parse.GetValue(all) ? "?status=pending,running,dead" : "")}", ct: ct))["items"]!.AsArray();
            if (json) Table.PrintJson(jobs);
            else Table.Print(["ID", "Project", "Number", "Name", "Status", "Node", "Pending reason"], jobs.Select(j => (IReadOnlyList<string>)
            [
                Table.Cell(j!["id"]), Table.Cell(j["project"]), Table.Cell(j["number"]), Table.Cell(j["name"]), Table.Cell(j["class"]),
                j["nodes"]!.AsArray().Count == 0 ? "-" : string.Join(",", j["nodes"]!.AsArray().Select(Table.Cell)), Table.Cell(j["pending_reason"]),
            ]));
            return 0;
        });
    }
}
