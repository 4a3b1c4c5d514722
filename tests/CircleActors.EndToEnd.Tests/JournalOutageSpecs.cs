using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// PostgreSQL, journal and read store both, stops for 30 s while jobs run and webhooks and API
/// triggers keep arriving: every request is answered within the deadline (writes with 503 and
/// the reason), the server stays up, and once PostgreSQL is back work goes on without a restart
/// and every pipeline whose trigger was acknowledged exists and ends.
/// </summary>
public sealed class JournalOutageSpecs(ITestOutputHelper output)
{
    private const string Secret = "outage secret";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    /// <summary>The server's deadline (10 s) plus room for a loaded machine to send the answer.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(13);

    private const string Config = """
        version: 2.1
        jobs:
          a:
            docker:
              - image: circleactors/busybox:latest
            resource_class: small
            steps:
              - run: sleep 3; echo a done
          b:
            docker:
              - image: circleactors/busybox:latest
            resource_class: small
            steps:
              - run: echo b after a
        workflows:
          outage:
            jobs:
              - a
              - b:
                  requires: [a]
        """;

    private sealed record Answer(string Kind, TimeSpan SentAt, TimeSpan Took, int Status, string? Message, bool RetryAfter, string? PipelineId);

    [Fact]
    public async Task Stopping_PostgreSQL_for_30_s_under_load_answers_writes_503_with_the_reason_and_loses_nothing_acknowledged()
    {
        await using var postgres = await DedicatedPostgres.CreateAsync();
        using var repository = new GitRepository(branch: "master");
        var payload = PushToGreenSpecs.PushPayload(repository.CommitConfig(Config));
        await using var installation = await Installation.StartAsync(output, Journals.PostgreSql, agentCapacityCpus: "8", postgresConnection: postgres.ConnectionString);
        await installation.AddProjectAsync(PushToGreenSpecs.Slug, repository.Path, Secret);
        var seed = await installation.TriggerAsync(PushToGreenSpecs.Slug, "master");

        var clock = Stopwatch.StartNew();
        var answers = new ConcurrentQueue<Answer>();
        using var stopLoad = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = installation.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("Circle-Token", installation.Http.DefaultRequestHeaders.GetValues("Circle-Token").Single());

        async Task Loop(string kind, Func<int, HttpRequestMessage> request)
        {
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                var sentAt = clock.Elapsed;
                using var message = request(i);
                using var response = await http.SendAsync(message);
                var took = clock.Elapsed - sentAt;
                var text = await response.Content.ReadAsStringAsync();
                var body = text.StartsWith('{') ? JsonNode.Parse(text) : null;
                answers.Enqueue(new Answer(kind, sentAt, took, (int)response.StatusCode, body?["message"]?.GetValue<string>(),
                    response.Headers.RetryAfter is not null, response.StatusCode == HttpStatusCode.Created ? body?["id"]?.GetValue<string>() : null));
                try { await Task.Delay(TimeSpan.FromMilliseconds(700), stopLoad.Token); } catch (OperationCanceledException) { }
            }
        }

        var load = Task.WhenAll(
            Loop("webhook", i => Installation.SignedDelivery("push", $"outage-{i}", payload, Secret)),
            Loop("trigger", _ => new HttpRequestMessage(HttpMethod.Post, $"/api/v2/project/{PushToGreenSpecs.Slug}/pipeline")
            {
                Content = new StringContent("""{"branch":"master"}""", Encoding.UTF8, "application/json"),
            }),
            Loop("read-pipeline", _ => new HttpRequestMessage(HttpMethod.Get, $"/api/v2/pipeline/{seed}")),
            Loop("read-list", _ => new HttpRequestMessage(HttpMethod.Get, $"/api/v2/project/{PushToGreenSpecs.Slug}/pipeline")));

        await Poll.UntilAsync(async () => (await installation.WorkflowJobsAsync(seed)).Any(j => j!["status"]!.GetValue<string>() is "running" or "success") ? "" : null,
            "no job ran before the outage");
        var outageFrom = clock.Elapsed;
        await postgres.StopAsync();
        // Soft state needs no journal: an operator can still take a node out of scheduling and put it back.
        var node = (await installation.GetAsync("/api/v2/admin/nodes"))["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        foreach (var eligible in new[] { false, true })
        {
            await Poll.UntilAsync(async () => (await http.PostAsync($"/api/v2/admin/nodes/{node}/eligibility",
                new StringContent($$"""{"eligible":{{(eligible ? "true" : "false")}}}""", Encoding.UTF8, "application/json"))).StatusCode == HttpStatusCode.OK ? "" : null,
                $"setting eligibility {eligible} during the outage", seconds: 10);
        }
        var healthDuringOutage = new List<(int Status, string Body)>();
        while (clock.Elapsed - outageFrom < Outage)
        {
            Assert.False(installation.Server!.HasExited, "the server exited during the outage:\n" + installation.Server.Output);
            using var health = await http.GetAsync("/health-check/journal");
            healthDuringOutage.Add(((int)health.StatusCode, await health.Content.ReadAsStringAsync()));
            await Task.Delay(1000);
        }
        await postgres.StartAsync();
        var outageTo = clock.Elapsed;

        // Everything goes on without a restart: a webhook and an API trigger are acknowledged again.
        await Poll.UntilAsync(() => Task.FromResult(
            answers.Any(a => a.Kind == "webhook" && a.SentAt > outageTo && a.Status == 201) &&
            answers.Any(a => a.Kind == "trigger" && a.SentAt > outageTo && a.Status == 201) ? "" : null),
            "no trigger was acknowledged after PostgreSQL came back", seconds: 120);
        var resumedAfter = clock.Elapsed - outageTo;
        await stopLoad.CancelAsync();
        await load;

        var all = answers.ToList();
        var during = all.Where(a => a.SentAt >= outageFrom && a.SentAt < outageTo).ToList();
        var writesDuring = during.Where(a => a.Kind is "webhook" or "trigger").ToList();
        var readsDuring = during.Where(a => a.Kind.StartsWith("read")).ToList();
        var summary = string.Join("\n", during.GroupBy(a => (a.Kind, a.Status, a.Message))
            .Select(g => $"{g.Key.Kind} {g.Key.Status} x{g.Count()} (max {g.Max(a => a.Took).TotalSeconds:0.00} s): {g.Key.Message}"));
        output.WriteLine("answers during the outage:\n" + summary);
        // No crash and no hang: every answer is a success or a 503 naming its reason, within the bound.
        Assert.All(all, a => Assert.True(a.Status is 200 or 201 || (a.Status == 503 && !string.IsNullOrWhiteSpace(a.Message) && a.RetryAfter),
            $"{a.Kind} at {a.SentAt.TotalSeconds:0.0} s answered {a.Status}: {a.Message}"));
        Assert.All(all, a => Assert.True(a.Took < AnswerBound, $"{a.Kind} at {a.SentAt.TotalSeconds:0.0} s took {a.Took.TotalSeconds:0.0} s"));
        var refused = writesDuring.Where(a => a.Status == 503).ToList();
        Assert.True(refused.Count >= 10, $"only {refused.Count} writes were refused during the outage");
        Assert.True(refused.Any(a => a.Message!.StartsWith("the event journal is unavailable: ")), summary);
        Assert.Contains(healthDuringOutage, h => h.Status == 500 && h.Body.Contains("the event journal is unavailable"));
        // A pipeline list needs the project from its entity and the list from the read store:
        // whichever of the two is found down first is the reason given.
        Assert.True(readsDuring.Any(a => a.Kind == "read-list" && a.Status == 503 &&
            (a.Message!.StartsWith("the read store is unavailable: ") || a.Message.StartsWith("the event journal is unavailable: "))), summary);
        Assert.False(installation.Server!.HasExited);

        // Nothing acknowledged is lost: every pipeline answered 201 exists and its jobs all end.
        var acknowledged = all.Where(a => a.PipelineId is not null).Select(a => a.PipelineId!).Append(seed).Distinct().ToList();
        var found = 0;
        var jobs = 0;
        foreach (var id in acknowledged)
        {
            var pipeline = await installation.WaitForPipelineAsync(id, TimeSpan.FromMinutes(4));
            Assert.Equal("created", pipeline["state"]!.GetValue<string>());
            var pipelineJobs = await installation.WorkflowJobsAsync(id);
            Assert.Equal(2, pipelineJobs.Count);
            Assert.All(pipelineJobs, j => Assert.True(j!["status"]!.GetValue<string>() is "success",
                $"pipeline {id} job {j["name"]} ended {j["status"]}"));
            jobs += pipelineJobs.Count;
            found++;
        }
        Assert.Equal(acknowledged.Count, found);
        var readsServed = readsDuring.Count(a => a.Status == 200);
        output.WriteLine($"outage {Outage.TotalSeconds:0} s: {writesDuring.Count} writes sent, {refused.Count} answered 503 " +
                         $"(max answer {writesDuring.Max(a => a.Took).TotalSeconds:0.00} s, max 503 {refused.Max(a => a.Took).TotalSeconds:0.00} s), " +
                         $"{readsDuring.Count} reads ({readsServed} served, max {readsDuring.Max(a => a.Took).TotalSeconds:0.00} s); " +
                         $"first trigger acknowledged {resumedAfter.TotalSeconds:0.0} s after PostgreSQL returned " +
                         $"(max answer meanwhile {all.Where(a => a.SentAt >= outageTo).Max(a => a.Took).TotalSeconds:0.00} s); " +
                         $"{acknowledged.Count} pipelines acknowledged, {found} found ended, {jobs} jobs succeeded, losses {acknowledged.Count - found}");
    }
}
