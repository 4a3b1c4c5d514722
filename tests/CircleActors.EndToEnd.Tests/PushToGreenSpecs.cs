using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// The whole path on real processes: a signed GitHub push (a corpus payload pointed at a local
/// repository) starts a pipeline on the server, a separate agent process runs both jobs in
/// Docker, and the API, the job output and the audit log tell the story.
/// </summary>
public sealed class PushToGreenSpecs(ITestOutputHelper output)
{
    private const string Secret = "push-to-green secret";
    internal const string Slug = "gh/Codertocat/Hello-World";

    private const string TwoJobConfig = """
        version: 2.1
        jobs:
          a:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - checkout
              - run:
                  name: Write the line
                  command: echo "line from a at $CIRCLE_SHA1" | tee a.txt
          b:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - checkout
              - run:
                  name: Print the line
                  command: echo "b after a on $CIRCLE_BRANCH, job $CIRCLE_JOB, build $CIRCLE_BUILD_NUM"
        workflows:
          build:
            jobs:
              - a
              - b:
                  requires: [a]
        """;

    /// <summary>The corpus push to master, retargeted at a commit of the local repository.</summary>
    internal static byte[] PushPayload(string sha)
    {
        var payload = JsonNode.Parse(File.ReadAllText(Path.Combine(Journals.CorpusRoot(), "webhooks", "octokit", "push", "with-new-branch.payload.json")))!;
        payload["after"] = sha;
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Journals.Both), MemberType = typeof(Journals))]
    public async Task A_signed_push_runs_a_two_job_workflow_to_green_on_a_separate_agent(string journal)
    {
        using var repository = new GitRepository(branch: "master");
        var sha = repository.CommitConfig(TwoJobConfig);
        await using var installation = await Installation.StartAsync(output, journal);
        await installation.AddProjectAsync(Slug, repository.Path, Secret);

        var (status, created) = await installation.DeliverAsync("push", Guid.NewGuid().ToString(), PushPayload(sha), Secret);
        Assert.Equal(HttpStatusCode.Created, status);
        var pipelineId = created!["id"]!.GetValue<string>();
        var pipeline = await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        Assert.Equal("created", pipeline["state"]!.GetValue<string>());
        Assert.Equal(sha, pipeline["vcs"]!["revision"]!.GetValue<string>());
        Assert.Equal("master", pipeline["vcs"]!["branch"]!.GetValue<string>());
        Assert.Equal("webhook", pipeline["trigger"]!["type"]!.GetValue<string>());
        var workflow = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray().Single()!;
        Assert.Equal("success", workflow["status"]!.GetValue<string>());

        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        var a = jobs.Single(j => j!["name"]!.GetValue<string>() == "a")!;
        var b = jobs.Single(j => j!["name"]!.GetValue<string>() == "b")!;
        Assert.All(jobs, j => Assert.Equal("success", j!["status"]!.GetValue<string>()));
        Assert.Equal([a["id"]!.GetValue<string>()], b["dependencies"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.True(b["started_at"]!.GetValue<DateTimeOffset>() >= a["stopped_at"]!.GetValue<DateTimeOffset>(), "b started before a ended");

        var aNumber = a["job_number"]!.GetValue<long>();
        var bNumber = b["job_number"]!.GetValue<long>();
        var aOutput = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{aNumber}/output");
        var bOutput = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{bNumber}/output");
        Assert.Contains($"line from a at {sha}", aOutput);
        Assert.Contains("==> Write the line (success, exit 0)", aOutput);
        Assert.Contains($"b after a on master, job b, build {bNumber}", bOutput);

        var job = await installation.GetAsync($"/api/v2/project/{Slug}/job/{bNumber}");
        Assert.Equal("success", job["status"]!.GetValue<string>());
        Assert.Equal(installation.AgentName, job["tasks"]![0]!["node"]!.GetValue<string>());

        var nodes = (await installation.GetAsync("/api/v2/admin/nodes"))["items"]!.AsArray();
        Assert.Contains(nodes, n => n!["name"]!.GetValue<string>() == installation.AgentName && n["status"]!.GetValue<string>() == "ready");

        var audit = await WaitForAuditAsync(installation, rows => rows.Count(r => r.Action == "workflow.job.finish") >= 2);
        Assert.Equal(audit.Count, audit.Select(r => r.Id).Distinct().Count());
        var actions = audit.Select(r => r.Action).ToList();
        Assert.Equal(1, actions.Count(x => x == "project.add"));
        Assert.Equal(1, actions.Count(x => x == "workflow.start"));
        Assert.Equal(2, actions.Count(x => x == "workflow.job.scheduled"));
        Assert.Equal(2, actions.Count(x => x == "workflow.job.start"));
        Assert.Equal(2, actions.Count(x => x == "workflow.job.finish"));
        Assert.DoesNotContain(audit, r => r.Line.Contains(Secret));
    }

    [Fact]
    public async Task A_bad_signature_is_refused_and_stores_nothing()
    {
        using var repository = new GitRepository(branch: "master");
        var sha = repository.CommitConfig(TwoJobConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        await installation.AddProjectAsync(Slug, repository.Path, Secret);

        var (wrongSecret, _) = await installation.DeliverAsync("push", Guid.NewGuid().ToString(), PushPayload(sha), "not the secret");
        var (missing, _) = await installation.DeliverAsync("push", Guid.NewGuid().ToString(), PushPayload(sha), secret: null);
        var (garbage, _) = await installation.DeliverAsync("push", Guid.NewGuid().ToString(), PushPayload(sha), null, signature: "sha256=zz");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal(HttpStatusCode.Unauthorized, garbage);
        var audit = await WaitForAuditAsync(installation, rows => rows.Count > 0);
        Assert.Equal(["project.add"], audit.Select(r => r.Action));
        Assert.Empty((await installation.GetAsync($"/api/v2/project/{Slug}/pipeline"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_redelivered_webhook_answers_with_the_first_pipeline_and_starts_no_other()
    {
        using var repository = new GitRepository(branch: "master");
        var sha = repository.CommitConfig(TwoJobConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        await installation.AddProjectAsync(Slug, repository.Path, Secret);
        var delivery = Guid.NewGuid().ToString();

        var first = await installation.DeliverAsync("push", delivery, PushPayload(sha), Secret);
        var again = await installation.DeliverAsync("push", delivery, PushPayload(sha), Secret);
        var other = await installation.DeliverAsync("push", Guid.NewGuid().ToString(), PushPayload(sha), Secret);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(first.Body!.ToJsonString(), again.Body!.ToJsonString());
        Assert.NotEqual(first.Body["id"]!.GetValue<string>(), other.Body!["id"]!.GetValue<string>());
        Assert.Equal(2, other.Body["number"]!.GetValue<long>());
        Assert.Equal(2, (await WaitForPipelinesAsync(installation, 2)).Count);
    }

    [Fact]
    public async Task Webhooks_for_pings_deleted_branches_unknown_repositories_and_malformed_bodies_start_nothing()
    {
        using var repository = new GitRepository(branch: "master");
        repository.CommitConfig(TwoJobConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        await installation.AddProjectAsync(Slug, repository.Path, Secret);
        var corpus = Path.Combine(Journals.CorpusRoot(), "webhooks", "octokit");
        byte[] Corpus(string file) => File.ReadAllBytes(Path.Combine(corpus, file));

        var deleted = await installation.DeliverAsync("push", "d1", Corpus("push/payload.json"), Secret);
        var unknownRepository = JsonNode.Parse(Corpus("push/with-new-branch.payload.json"))!;
        unknownRepository["repository"]!["full_name"] = "Codertocat/Unknown";
        var unknown = await installation.DeliverAsync("push", "d2", Encoding.UTF8.GetBytes(unknownRepository.ToJsonString()), Secret);
        var malformed = JsonNode.Parse(Corpus("push/with-new-branch.payload.json"))!;
        malformed.AsObject().Remove("after");
        var noAfter = await installation.DeliverAsync("push", "d3", Encoding.UTF8.GetBytes(malformed.ToJsonString()), Secret);

        Assert.Equal(HttpStatusCode.Accepted, deleted.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.BadRequest, noAfter.Status);
        Assert.Contains("after", noAfter.Body!["message"]!.GetValue<string>());
        Assert.Empty((await installation.GetAsync($"/api/v2/project/{Slug}/pipeline"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_broken_config_errors_the_pipeline_with_its_line_and_column()
    {
        using var repository = new GitRepository();
        repository.CommitConfig("version: 2.1\njobs:\n  build:\n    docker:\n      - image: circleactors/busybox:latest\n    steps:\n\t- run: echo tab\n");
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        await installation.AddProjectAsync("gh/acme/broken", repository.Path, Secret);

        var id = await installation.TriggerAsync("gh/acme/broken");
        var pipeline = await installation.WaitForPipelineAsync(id, TimeSpan.FromSeconds(60));

        Assert.Equal("errored", pipeline["state"]!.GetValue<string>());
        var error = pipeline["errors"]!.AsArray().Single()!;
        Assert.Equal("config", error["type"]!.GetValue<string>());
        Assert.StartsWith(".circleci/config.yml:7:1: ", error["message"]!.GetValue<string>());
        var audit = await WaitForAuditAsync(installation, rows => rows.Any(r => r.Action == "workflow.error"));
        Assert.False(audit.Single(r => r.Action == "workflow.error").Success);
    }

    /// <summary>The pipeline list is a projection: wait until it shows at least <paramref name="count"/>.</summary>
    private static async Task<JsonArray> WaitForPipelinesAsync(Installation installation, int count)
    {
        JsonArray items = [];
        for (var i = 0; i < 50 && items.Count < count; i++)
        {
            if (i > 0) await Task.Delay(200);
            items = (await installation.GetAsync($"/api/v2/project/{Slug}/pipeline"))["items"]!.AsArray();
        }
        return items;
    }

    internal sealed record AuditRow(string Id, string Action, bool Success, string Line);

    internal static async Task<IReadOnlyList<AuditRow>> AuditRows(Installation installation)
    {
        var csv = await installation.GetTextAsync("/api/v2/admin/audit-log.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,version,action,actor,target,payload,occurred_at,metadata,scope,success,request", lines[0].TrimEnd('\r'));
        return lines.Skip(1).Select(line =>
        {
            var fields = line.Split(',');
            return new AuditRow(fields[0], fields[2], line.TrimEnd('\r').EndsWith(",true,{}"), line);
        }).ToList();
    }

    /// <summary>The audit log is a projection: give it a moment to catch up.</summary>
    internal static async Task<IReadOnlyList<AuditRow>> WaitForAuditAsync(Installation installation, Func<IReadOnlyList<AuditRow>, bool> complete, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)))
        {
            var rows = await AuditRows(installation);
            if (complete(rows)) return rows;
            await Task.Delay(200);
        }
        return await AuditRows(installation);
    }
}
