using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// <c>circleactors ops</c> as an operator runs it: real CLI processes against a real server and
/// two real agent processes running jobs in Docker.
/// </summary>
public sealed class OpsShellSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/ops";

    private const string SleepConfig = """
        version: 2.1
        jobs:
          work:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: { name: Work, command: "echo working; sleep 30; echo done" } }]
        workflows:
          main:
            jobs: [work]
        """;

    private static Task<(int Exit, string Output)> OpsAsync(Installation installation, params string[] args) => OpsCli.RunAsync(installation, args);

    private static Task<string> OpsOkAsync(Installation installation, params string[] args) => OpsCli.OkAsync(installation, args);

    private static Task<string> UntilAsync(Installation installation, string[] args, Func<string, bool> condition, string what) =>
        OpsCli.UntilAsync(installation, args, condition, what);

    /// <summary>The line of a table whose first column is <paramref name="first"/>, split into its columns.</summary>
    private static string[] Row(string table, string first) =>
        table.Split('\n').Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .First(cells => cells.Length > 0 && cells[0] == first);

    [Fact]
    public async Task Each_palette_answers_against_a_server_and_two_agents_with_drain_pending_reasons_and_queue_cancel()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(SleepConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        var a = installation.AgentName;
        var b = a + "-b";
        installation.StartAgent(b);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        var nodes = await UntilAsync(installation, ["node", "status"], t => t.Contains(a) && t.Contains(b), "both agents never showed");
        Assert.StartsWith("ID", nodes);
        Assert.Equal(["false", "eligible", "ready", "0", "0/2"], Row(nodes, b)[4..9]);
        var health = await OpsOkAsync(installation, "health");
        Assert.Equal("healthy", Row(health, "scheduler")[1]);
        Assert.Contains("Overall: healthy (200)", health);
        var cluster = await OpsOkAsync(installation, "cluster", "show");
        Assert.Equal(3, cluster.Split('\n').Count(l => l.Contains(" up ")));
        Assert.Contains("job-log", await OpsOkAsync(installation, "sharding", "regions"));

        // Only A may take work: B is ineligible.
        Assert.Contains("scheduling eligibility set: ineligible", await OpsOkAsync(installation, "node", "eligibility", b, "-disable"));
        var first = await installation.TriggerAsync(Slug);
        await UntilAsync(installation, ["job", "status"], t => t.Split('\n').Any(l => l.Contains(" running ") && l.Contains(a)), "the first job never ran on A");

        Assert.Contains("drain strategy set", await OpsOkAsync(installation, "node", "drain", a, "-enable", "-yes"));
        var detail = await OpsOkAsync(installation, "node", "status", a);
        Assert.Contains("Drain                = true", detail);
        Assert.Contains("Allocations (1)", detail);

        await installation.TriggerAsync(Slug);
        var pending = await UntilAsync(installation, ["job", "status"], t => t.Contains(" pending "), "the second job never waited");
        Assert.Contains("all nodes are draining or ineligible", pending);
        Assert.Equal("1", (await OpsOkAsync(installation, "queue", "depth")).Trim());

        // Lifting the drain leaves A busy: the reason becomes capacity.
        await OpsOkAsync(installation, "node", "drain", a, "-disable", "-yes");
        var queue = await UntilAsync(installation, ["queue", "list", "--head", "1"], t => t.Contains("free CPUs"), "the reason never became capacity");
        Assert.Contains("no node with 2 free CPUs and 4096 MB for resource class medium", queue);
        var json = JsonNode.Parse(await OpsOkAsync(installation, "queue", "list", "-json"))!.AsArray();
        Assert.Single(json);

        var canceled = await OpsOkAsync(installation, "queue", "cancel", "--count", "1");
        Assert.Contains("canceled 1 job(s), oldest first", canceled);
        Assert.Contains(json[0]!["job_id"]!.GetValue<string>(), canceled);
        await UntilAsync(installation, ["queue", "depth"], t => t.Trim() == "0", "the canceled job stayed queued");

        await installation.WaitForPipelineAsync(first, TimeSpan.FromMinutes(2));
        var dead = await UntilAsync(installation, ["job", "status", "-all", "-json"],
            t => JsonNode.Parse(t)!.AsArray().Count(j => j!["class"]!.GetValue<string>() == "dead") == 2, "both jobs never ended");
        var statuses = JsonNode.Parse(dead)!.AsArray().Select(j => j!["status"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["canceled", "success"], statuses);
        var metrics = await OpsOkAsync(installation, "metrics");
        Assert.Contains("circle_http_request", metrics);
        var (refused, reason) = await OpsAsync(installation, "node", "drain", "nobody", "-enable", "-yes");
        Assert.Equal(1, refused);
        Assert.Contains("404", reason);
    }
}
