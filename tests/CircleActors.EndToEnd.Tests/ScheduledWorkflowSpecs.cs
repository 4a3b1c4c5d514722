using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// A workflow scheduled every minute, on a server whose schedule clock runs twenty times fast
/// (a minute every three seconds): each minute starts one pipeline, a kill -9 and restart fires
/// the minutes missed meanwhile once, with a note, and no minute ever starts two.
/// </summary>
public sealed class ScheduledWorkflowSpecs(ITestOutputHelper output)
{
    private const string Config = """
        version: 2.1
        jobs:
          build:
            docker: [{image: circleactors/busybox:latest}]
            steps: [{run: echo build}]
          report:
            docker: [{image: circleactors/busybox:latest}]
            steps: [{run: echo scheduled report}]
        workflows:
          commit:
            jobs: [build]
          minutely:
            triggers:
              - schedule:
                  cron: "* * * * *"
                  filters: {branches: {only: [main]}}
            jobs: [report]
        """;

    private const string Slug = "gh/acme/scheduled";

    [Fact]
    public async Task A_cron_every_minute_fires_once_per_minute_across_a_kill_and_restart_of_the_server()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        var origin = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        // 20x: one cron minute every 3 s of real time; late-after is in schedule time, so 90 s are 4.5 s here.
        var hocon = $"circleactors.schedules.time-scale = 20\ncircleactors.schedules.time-scale-origin = \"{origin}\"\ncircleactors.schedules.late-after = 90s";
        await using var installation = await Installation.StartAsync(output, "sqlite", extraHocon: hocon);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var push = await installation.TriggerAsync(Slug);

        var before = await ScheduledAsync(installation, 3, TimeSpan.FromSeconds(60));
        installation.Server!.Kill();
        await Task.Delay(TimeSpan.FromSeconds(7));
        await installation.StartServerAsync();
        var all = await ScheduledAsync(installation, before.Count + 2, TimeSpan.FromSeconds(90));

        var times = all.Select(p => p.ScheduledAt).ToList();
        Assert.Equal(times.Distinct().Count(), times.Count);
        Assert.All(times, t => Assert.Equal(0, t.Second));
        Assert.Equal(times.Order(), times);

        // Before the kill and after the restart: one pipeline a minute. Across it: one for the gap, which says so.
        var restartIndex = all.FindIndex(p => p.Note is not null);
        Assert.True(restartIndex >= before.Count - 1 && restartIndex >= 1, $"no late pipeline after the restart: {Describe(all)}");
        Assert.Contains("earlier scheduled time(s) in the same gap were skipped", all[restartIndex].Note);
        Assert.Single(all, p => p.Note is not null);
        for (var i = 1; i < all.Count; i++)
        {
            var step = times[i] - times[i - 1];
            if (i == restartIndex) Assert.True(step > TimeSpan.FromMinutes(1), $"the gap fired no later than the minute before: {Describe(all)}");
            else Assert.True(step == TimeSpan.FromMinutes(1), $"minutes {times[i - 1]:HH:mm} and {times[i]:HH:mm} are not consecutive: {Describe(all)}");
        }

        // Each runs the scheduled workflow alone, as the system actor; the push ran the other one.
        var first = await installation.WaitForPipelineAsync(all[0].Id, TimeSpan.FromSeconds(60));
        Assert.Equal("system", first["trigger"]!["actor"]!["login"]!.GetValue<string>());
        var workflows = (await installation.GetAsync($"/api/v2/pipeline/{all[0].Id}/workflow"))["items"]!.AsArray();
        Assert.Equal(["minutely"], workflows.Select(w => w!["name"]!.GetValue<string>()));
        var pushed = (await installation.GetAsync($"/api/v2/pipeline/{push}/workflow"))["items"]!.AsArray();
        Assert.Equal(["commit"], pushed.Select(w => w!["name"]!.GetValue<string>()));

        // Audited as workflow.start with the system as the actor, the push's with the admin.
        var audit = await PushToGreenSpecs.WaitForAuditAsync(installation, rows => rows.Count(r => r.Action == "workflow.start") > all.Count);
        var starts = audit.Where(r => r.Action == "workflow.start").ToList();
        var scheduled = starts.Where(r => r.Line.Contains("\"\"workflow_name\"\":\"\"minutely\"\"", StringComparison.Ordinal)).ToList();
        Assert.True(scheduled.Count >= all.Count, $"{scheduled.Count} scheduled workflow.start rows for {all.Count} scheduled pipelines");
        Assert.All(scheduled, r => Assert.Contains("\"\"type\"\":\"\"system\"\"", r.Line));
        Assert.Contains("\"\"type\"\":\"\"user\"\"", Assert.Single(starts, r => r.Line.Contains("\"\"workflow_name\"\":\"\"commit\"\"", StringComparison.Ordinal)).Line);
    }

    private sealed record Scheduled(string Id, long Number, DateTimeOffset ScheduledAt, string? Note);

    private static string Describe(IEnumerable<Scheduled> pipelines) =>
        string.Join(", ", pipelines.Select(p => $"#{p.Number} {p.ScheduledAt:HH:mm}{(p.Note is null ? "" : " (late)")}"));

    /// <summary>The project's scheduled pipelines, oldest first, once there are at least <paramref name="count"/>.</summary>
    private static async Task<List<Scheduled>> ScheduledAsync(Installation installation, int count, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        List<Scheduled> found = [];
        while (watch.Elapsed < timeout)
        {
            try
            {
                var page = await installation.GetAsync($"/api/v2/project/{Slug}/pipeline");
                found = page["items"]!.AsArray()
                    .Where(p => p!["trigger"]!["type"]!.GetValue<string>() == "scheduled_pipeline")
                    .Select(p => new Scheduled(p!["id"]!.GetValue<string>(), p["number"]!.GetValue<long>(),
                        DateTimeOffset.Parse(p["trigger"]!["schedule"]!["scheduled_at"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                        p["trigger"]!["schedule"]!["note"]?.GetValue<string>()))
                    .OrderBy(p => p.Number)
                    .ToList();
                if (found.Count >= count) return found;
            }
            catch (HttpRequestException)
            {
                // The server is still starting.
            }
            await Task.Delay(500);
        }
        throw new Xunit.Sdk.XunitException($"only {found.Count} of {count} scheduled pipelines after {timeout}: {Describe(found)}");
    }
}
