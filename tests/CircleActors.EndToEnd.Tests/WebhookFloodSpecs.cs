using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// 10,000 signed push deliveries from concurrent senders, one in eleven a redelivery of an
/// earlier one (9,091 distinct, 909 again: a tenth of the total), as fast as the server takes
/// them: exactly one pipeline per distinct delivery, journaled and projected, none lost.
/// </summary>
public sealed class WebhookFloodSpecs(ITestOutputHelper output)
{
    private const string Secret = "flood secret";
    private const int Distinct = 9_091;
    private const int Senders = 32;

    // A workflow no push selects: the pipelines are created and journaled, and no job is run.
    private const string Config = """
        version: 2.1
        jobs:
          never:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - run: echo never
        workflows:
          release-only:
            jobs:
              - never:
                  filters:
                    branches:
                      only: release
        """;

    private sealed record Delivered(string Delivery, string PipelineId, long Number, int Attempts);

    [Fact]
    public async Task Ten_thousand_deliveries_a_tenth_redelivered_start_exactly_one_pipeline_per_distinct_delivery()
    {
        using var repository = new GitRepository(branch: "master");
        var payload = PushToGreenSpecs.PushPayload(repository.CommitConfig(Config));
        await using var installation = await Installation.StartAsync(output, Journals.PostgreSql, withAgent: false);
        var connection = installation.JournalConnectionString!;
        await installation.AddProjectAsync(PushToGreenSpecs.Slug, repository.Path, Secret);

        // After every tenth distinct delivery, one earlier delivery again: 909 redeliveries, 10,000 in all.
        var random = new Random(7);
        var plan = new List<string>();
        for (var i = 0; i < Distinct; i++)
        {
            plan.Add($"flood-{i}");
            if (i % 10 == 9) plan.Add($"flood-{random.Next(i + 1)}");
        }
        Assert.Equal(10_000, plan.Count);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Senders })
        {
            BaseAddress = installation.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        var delivered = new ConcurrentBag<Delivered>();
        var pushedBack = 0;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            for (var index = Interlocked.Increment(ref next); index < plan.Count; index = Interlocked.Increment(ref next))
            {
                for (var attempt = 1; ; attempt++)
                {
                    using var request = Installation.SignedDelivery("push", plan[index], payload, Secret);
                    using var response = await http.SendAsync(request);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                    {
                        // Backpressure: the sender waits and sends the same delivery again, as GitHub's redelivery would.
                        Interlocked.Increment(ref pushedBack);
                        await Task.Delay(200);
                        continue;
                    }
                    Assert.True(response.StatusCode == HttpStatusCode.Created, $"{plan[index]}: {(int)response.StatusCode} {text}");
                    var body = JsonNode.Parse(text)!;
                    delivered.Add(new Delivered(plan[index], body["id"]!.GetValue<string>(), body["number"]!.GetValue<long>(), attempt));
                    break;
                }
            }
        })));
        var seconds = watch.Elapsed.TotalSeconds;

        var answers = delivered.ToList();
        Assert.Equal(plan.Count, answers.Count);
        // Every answer for one delivery names the same pipeline, and no two deliveries share one.
        var byDelivery = answers.GroupBy(a => a.Delivery).ToList();
        Assert.Equal(Distinct, byDelivery.Count);
        Assert.All(byDelivery, g => Assert.Single(g.Select(a => (a.PipelineId, a.Number)).Distinct()));
        var pipelineIds = answers.Select(a => a.PipelineId).Distinct().ToList();
        Assert.Equal(Distinct, pipelineIds.Count);
        // Numbers 1..9,091, each once: no delivery reserved two, none was skipped.
        Assert.Equal(Enumerable.Range(1, Distinct).Select(n => (long)n), answers.Select(a => a.Number).Distinct().Order());

        // Journaled: one pipeline entity per distinct delivery, and the read model shows them all.
        var journaled = await CountAsync(connection, "SELECT count(DISTINCT persistence_id) FROM journal WHERE persistence_id LIKE 'pipeline-%'");
        Assert.Equal(Distinct, journaled);
        long projected = 0;
        await Poll.UntilAsync(async () =>
        {
            projected = await CountAsync(connection, "SELECT count(*) FROM read_documents WHERE kind = 'pipeline'");
            return projected >= Distinct ? "" : null;
        }, $"the read model shows {projected} of {Distinct} pipelines", seconds: 180);
        Assert.Equal(Distinct, projected);
        output.WriteLine($"{plan.Count} deliveries ({Distinct} distinct, {plan.Count - Distinct} redelivered) from {Senders} senders in {seconds:0.0} s: " +
                         $"{plan.Count / seconds:0} deliveries/s; {pushedBack} pushed back (429/503) and resent; " +
                         $"{pipelineIds.Count} pipelines, {journaled} journaled, {projected} projected; duplicates {pipelineIds.Count - Distinct}, losses {Distinct - journaled}");
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
