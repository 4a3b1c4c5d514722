using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CircleActors.Actors.Common;
using CircleActors.Agent.Runtime;
using CircleActors.Domain.Common;
using CircleActors.Domain.Workflows;
using CircleActors.Server.GitHub;
using CircleActors.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Server.Tests.GitHub;

/// <summary>Commit statuses per workflow through Octokit to a GitHub stand-in: set behind the build, late but complete when GitHub was down.</summary>
public sealed class CommitStatusSpecs
{
    [Theory]
    [InlineData(WorkflowStatus.Success, "success")]
    [InlineData(WorkflowStatus.Failed, "failure")]
    [InlineData(WorkflowStatus.Canceled, "error")]
    [InlineData(WorkflowStatus.Error, "error")]
    public void A_finished_workflow_sets_the_state_GitHub_knows_for_its_status(WorkflowStatus finished, string state)
    {
        var status = CommitStatuses.For(new WorkflowFinished(new WorkflowId(Guid.NewGuid()), ProjectSlug.Parse("gh/a/b"), "build", finished, DateTimeOffset.UtcNow), "build");
        Assert.Equal((state, "ci/circleactors: build"), (status!.State, status.Context));
        Assert.Equal("pending", CommitStatuses.For(new WorkflowJobHeld(new WorkflowId(Guid.NewGuid()), "hold", DateTimeOffset.UtcNow), "build")!.State);
        Assert.Null(CommitStatuses.For(new WorkflowJobFinished(new WorkflowId(Guid.NewGuid()), "a", Domain.Jobs.JobStatus.Success, DateTimeOffset.UtcNow), "build"));
    }

    [Fact]
    public async Task A_workflow_ends_while_GitHub_is_down_and_its_statuses_arrive_in_order_once_GitHub_is_back()
    {
        await using var gitHub = await GitHubStandIn.StartAsync();
        gitHub.Down = true;
        var data = Directory.CreateTempSubdirectory("ca-github-").FullName;
        var repository = Directory.CreateTempSubdirectory("ca-github-repo-").FullName;
        var app = ServerHost.Build(new ServerOptions
        {
            DataDirectory = data,
            HttpUrl = "http://127.0.0.1:0",
            ClusterPort = 0,
            Executor = ExecutorKind.Fake,
            Agent = new AgentSettings(new NodeId("github-specs"), "github-specs", 4, 8192, 4),
            GitHub = new GitHubSettings(gitHub.Url, "gh-token-for-specs", new Uri("https://ci.example.test/")),
        }, announce: _ => { });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Add("Circle-Token", (await File.ReadAllTextAsync(Path.Combine(data, AdminToken.FileName))).Trim());
            Directory.CreateDirectory(Path.Combine(repository, ".circleci"));
            await File.WriteAllTextAsync(Path.Combine(repository, ".circleci", "config.yml"), """
                version: 2.1
                jobs:
                  build: {docker: [{image: circleactors/busybox:latest}], steps: [{run: echo hi}]}
                workflows:
                  main: {jobs: [build]}
                """);
            foreach (var args in new[] { "init -q -b main", "add .", "-c user.name=a -c user.email=a@example.invalid commit -q -m config" })
                Assert.True((await GitCli.RunAsync(repository, CancellationToken.None, args.Split(' '))).Succeeded, args);
            var sha = (await GitCli.RunAsync(repository, CancellationToken.None, "rev-parse", "HEAD")).StdOut.Trim();
            (await http.PostAsJsonAsync("/api/v2/project", new { slug = "gh/acme/statuses", repo_url = repository })).EnsureSuccessStatusCode();
            using var triggered = await http.PostAsJsonAsync("/api/v2/project/gh/acme/statuses/pipeline", new { branch = "main" });
            var pipeline = (await triggered.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();

            // The build does not wait for GitHub.
            var workflow = await Until(async () =>
            {
                var items = JsonNode.Parse(await http.GetStringAsync($"/api/v2/pipeline/{pipeline}/workflow"))!["items"]!.AsArray();
                return items.Count == 1 && items[0]!["status"]!.GetValue<string>() == "success" ? items[0] : null;
            }, "the workflow succeeded while GitHub was down");
            Assert.Empty(gitHub.Statuses);
            // GitHub down is the github component's problem, not the node's readiness.
            using (var down = await http.GetAsync("/health-check/github"))
                Assert.Equal(System.Net.HttpStatusCode.InternalServerError, down.StatusCode);
            using (var ready = await http.GetAsync("/ready"))
                Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
            await Until(() => Task.FromResult(gitHub.Refused > 0 ? (object)true : null), "the server tried GitHub");

            gitHub.Down = false;
            await Until(() => Task.FromResult(gitHub.Statuses.Any(s => s.State == "success") ? (object)true : null), "the success status arrived", TimeSpan.FromSeconds(90));
            var statuses = gitHub.Statuses.ToList();
            var health = JsonNode.Parse(await http.GetStringAsync("/health-check/github"))!;
            Assert.Contains("calls left this hour", health["components"]![0]!["description"]!.GetValue<string>());
            Assert.All(statuses, s => Assert.Equal(("acme", "statuses", sha, "ci/circleactors: main", "Token gh-token-for-specs"),
                (s.Owner, s.Repository, s.Sha, s.Context, s.Authorization)));
            Assert.Equal(["pending", "success"], statuses.Select(s => s.State).Distinct());
            Assert.Equal("success", statuses.Last().State);
            Assert.Equal($"https://ci.example.test/pipelines/{pipeline}", statuses.Last().TargetUrl);
            Assert.Equal(pipeline, workflow!["pipeline_id"]!.GetValue<string>());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
            Directory.Delete(repository, recursive: true);
        }
    }

    private static async Task<T> Until<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)))
        {
            if (await probe() is { } found) return found;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting until {what}");
    }
}
