using System.Collections.Concurrent;
using CircleActors.Actors.Common;
using CircleActors.Actors.Schedules;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Schedules;
using CircleActors.Domain.Schedules.Messages;
using Xunit.Abstractions;
using static CircleActors.Domain.Schedules.Messages.ScheduleEvents;

namespace CircleActors.Actors.Tests.ActorSpecs;

/// <summary>
/// Scheduled workflows on a real node and journal, with the schedule clock moved by hand: each
/// minute fires once, a restart neither repeats a time nor loses the gap, and a config without
/// the trigger stops the schedule.
/// </summary>
public sealed class ScheduleEntitySpecs(ITestOutputHelper output)
{
    private const string EveryMinuteConfig = """
        version: 2.1
        jobs:
          build:
            docker: [{image: circleactors/busybox:latest}]
            steps: [{run: echo build}]
          report:
            docker: [{image: circleactors/busybox:latest}]
            steps: [{run: echo report}]
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

    private const string UnscheduledConfig = """
        version: 2.1
        jobs:
          build:
            docker: [{image: circleactors/busybox:latest}]
            steps: [{run: echo build}]
        workflows:
          commit:
            jobs: [build]
        """;

    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly ScheduleId Minutely = DerivedIds.Schedule(Ci.Project, "minutely");

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Every_minute_fires_once_and_a_restart_fires_the_gap_once_late_without_repeating_a_time(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(EveryMinuteConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        var clock = new FakeClock(Noon.AddSeconds(30));

        await using (var first = await TestNode.StartAsync(journal, output, scheduleClock: clock))
        {
            first.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());
            await Ci.AddProjectAsync(first, repository.Path);
            await Ci.TriggerAsync(first, repository.Path);
            await Eventually.MatchesAsync(() => ScheduleAsync(first), s => s.Enabled, what: "the push declared the schedule");

            clock.Advance(TimeSpan.FromSeconds(35));
            await FiredThroughAsync(first, Noon.AddMinutes(1));
            clock.Advance(TimeSpan.FromMinutes(1));
            await FiredThroughAsync(first, Noon.AddMinutes(2));
        }

        // Down from 12:02:05 to 12:05:20: the schedule is remembered and fires once, for 12:05.
        clock.Advance(TimeSpan.FromSeconds(195));
        await using var second = await TestNode.StartAsync(journal, output, scheduleClock: clock);
        var received = new ConcurrentQueue<JobTaskSpec>();
        second.StartAgent("agent-2", received);
        await FiredThroughAsync(second, Noon.AddMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(3));

        var fired = (await Ci.EventsAsync(second, ScheduleEntity.PersistencePrefix + Minutely)).OfType<ScheduleFired>().ToList();
        Assert.Equal([(Noon.AddMinutes(1), 0), (Noon.AddMinutes(2), 0), (Noon.AddMinutes(5), 2)], fired.Select(f => (f.ScheduledAt, f.MissedTimes)));

        foreach (var time in fired.Select(f => f.ScheduledAt))
        {
            var pipeline = await Ci.PipelineAsync(second, DerivedIds.ScheduledPipeline(Minutely, time, "main"));
            var trigger = pipeline.Created!.Trigger;
            Assert.Equal((PipelineTrigger.Scheduled, Actor.System, "minutely", time), (trigger.Type, trigger.Actor, trigger.Schedule!.Workflow, trigger.Schedule.ScheduledAt));
            Assert.Equal(time == Noon.AddMinutes(5), trigger.Schedule.Note is not null);
            // The scheduled pipeline runs the scheduled workflow alone.
            await Eventually.MatchesAsync(() => Ci.PipelineAsync(second, pipeline.Id), p => p.Stage == PipelineStage.Created, what: "scheduled pipeline created");
            Assert.Equal(["minutely"], (await Ci.PipelineAsync(second, pipeline.Id)).Workflows.Select(w => w.Name));
        }
        Assert.Contains("2 earlier scheduled time(s)", (await Ci.PipelineAsync(second, DerivedIds.ScheduledPipeline(Minutely, Noon.AddMinutes(5), "main"))).Created!.Trigger.Schedule!.Note);
        var project = await Reliably.AskForAsync<Domain.Projects.ProjectState>(second.Get<Projects.ProjectRegion>(),
            new Domain.Projects.Messages.ProjectQueries.GetProject(Ci.Project));
        Assert.Equal(4, project.LastPipelineNumber);
    }

    [Fact]
    public async Task A_default_branch_config_without_the_trigger_stops_the_schedule()
    {
        using var repository = await TestRepository.WithConfigAsync(EveryMinuteConfig);
        await using var journal = await TestJournal.CreateAsync("sqlite");
        var clock = new FakeClock(Noon.AddSeconds(30));
        await using var node = await TestNode.StartAsync(journal, output, scheduleClock: clock);
        node.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());
        await Ci.AddProjectAsync(node, repository.Path);
        await Ci.TriggerAsync(node, repository.Path);
        await Eventually.MatchesAsync(() => ScheduleAsync(node), s => s.Enabled, what: "the push declared the schedule");

        await repository.CommitConfigAsync(UnscheduledConfig);
        await Ci.TriggerAsync(node, repository.Path);
        await Eventually.MatchesAsync(() => ScheduleAsync(node), s => !s.Enabled, what: "the second push stopped the schedule");

        clock.Advance(TimeSpan.FromMinutes(3));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty((await Ci.EventsAsync(node, ScheduleEntity.PersistencePrefix + Minutely)).OfType<ScheduleFired>());
    }

    private static Task<ScheduleState> ScheduleAsync(TestNode node) =>
        Reliably.AskForAsync<ScheduleState>(node.Get<ScheduleRegion>(), new ScheduleQueries.GetSchedule(Minutely));

    private static Task<ScheduleState> FiredThroughAsync(TestNode node, DateTimeOffset time) =>
        Eventually.MatchesAsync(() => ScheduleAsync(node), s => s.FiredThrough == time && s.Pending is null, TimeSpan.FromSeconds(30), $"fired {time:HH:mm}");
}
