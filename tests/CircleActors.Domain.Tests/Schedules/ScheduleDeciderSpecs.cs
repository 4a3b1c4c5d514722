using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Schedules;
using CircleActors.Domain.Schedules.Messages;
using static CircleActors.Domain.Schedules.Messages.ScheduleCommands;
using static CircleActors.Domain.Schedules.Messages.ScheduleEvents;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Schedules;

/// <summary>
/// A schedule fires each scheduled time once: never before it was declared, never twice, once
/// for a gap the server was down in, and not at all once its triggers leave the config.
/// </summary>
public sealed class ScheduleDeciderSpecs
{
    private static readonly ScheduleId Id = DerivedIds.Schedule(Project, "nightly");
    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly ScheduleTrigger EveryMinute = new("* * * * *", null);
    private static readonly ScheduleTrigger Hourly = new("0 * * * *", new Filters(new RefFilter(["main"], null), null));

    /// <summary>Decides commands at times the spec names, applying what they decide, as the entity does.</summary>
    private sealed class Schedule
    {
        public ScheduleState State { get; private set; } = ScheduleState.Empty(Id);
        public List<IScheduleEvent> History { get; } = [];

        public Decision<IScheduleEvent> At(DateTimeOffset now, IScheduleCommand command)
        {
            var decision = ScheduleDecider.Decide(State, command, now);
            foreach (var e in decision.Events)
            {
                State = State.Apply(e);
                History.Add(e);
            }
            return decision;
        }

        /// <summary>Ticks at <paramref name="now"/> and records the fired time's pipelines straight away.</summary>
        public ScheduleFired? TickAt(DateTimeOffset now)
        {
            var fired = At(now, new FireDueTime(Id)).Events.OfType<ScheduleFired>().SingleOrDefault();
            if (fired is not null) At(now, new RecordScheduledRuns(Id, fired.ScheduledAt, [new ScheduledRun("main", PipelineId.New())]));
            return fired;
        }
    }

    private static ConfigureSchedule Declare(long pipeline, params ScheduleTrigger[] triggers) => new(Id, Project, "nightly", triggers, pipeline);

    [Fact]
    public void Times_before_the_schedule_was_declared_are_not_owed_and_each_later_time_fires_once()
    {
        var schedule = new Schedule();
        schedule.At(Noon.AddSeconds(30), Declare(1, EveryMinute));

        Assert.Null(schedule.TickAt(Noon.AddSeconds(40)));
        var fired = Assert.IsType<ScheduleFired>(schedule.TickAt(Noon.AddSeconds(61)));
        Assert.Equal((Noon.AddMinutes(1), 0), (fired.ScheduledAt, fired.MissedTimes));
        Assert.Null(schedule.TickAt(Noon.AddSeconds(62)));
        Assert.Null(schedule.TickAt(Noon.AddSeconds(119)));
        Assert.Equal(Noon.AddMinutes(2), schedule.TickAt(Noon.AddSeconds(120))!.ScheduledAt);
    }

    [Fact]
    public void A_gap_holding_several_times_fires_once_for_the_latest_and_counts_the_others_as_missed()
    {
        var schedule = new Schedule();
        schedule.At(Noon, Declare(1, EveryMinute));
        Assert.NotNull(schedule.TickAt(Noon.AddMinutes(1)));

        // Down from 12:01 to 12:05:20: 12:02, 12:03, 12:04 and 12:05 fell due meanwhile.
        var late = Assert.IsType<ScheduleFired>(schedule.TickAt(Noon.AddMinutes(5).AddSeconds(20)));
        Assert.Equal((Noon.AddMinutes(5), 3), (late.ScheduledAt, late.MissedTimes));
        Assert.Contains("3 earlier scheduled time(s)", ScheduleDecider.LatenessNote(late, TimeSpan.FromSeconds(30)));
        Assert.Null(schedule.TickAt(Noon.AddMinutes(5).AddSeconds(30)));
        Assert.Single(schedule.History.OfType<ScheduleFired>(), f => f.ScheduledAt == Noon.AddMinutes(5));
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(29, 0, false)]
    [InlineData(31, 0, true)]
    [InlineData(1, 2, true)]
    public void A_time_fired_on_time_has_no_note_and_a_late_or_folded_one_says_so(int secondsLate, int missed, bool noted)
    {
        var fired = new ScheduleFired(Id, Noon, [null], missed, Noon.AddSeconds(secondsLate));
        Assert.Equal(noted, ScheduleDecider.LatenessNote(fired, TimeSpan.FromSeconds(30)) is not null);
    }

    [Fact]
    public void While_a_fired_time_waits_for_its_pipelines_no_later_time_fires()
    {
        var schedule = new Schedule();
        schedule.At(Noon, Declare(1, EveryMinute));
        var first = Assert.Single(schedule.At(Noon.AddMinutes(1), new FireDueTime(Id)).Events);
        Assert.Empty(schedule.At(Noon.AddMinutes(2), new FireDueTime(Id)).Events);

        schedule.At(Noon.AddMinutes(2), new RecordScheduledRuns(Id, ((ScheduleFired)first).ScheduledAt, []));
        Assert.Equal(Noon.AddMinutes(2), Assert.IsType<ScheduleFired>(Assert.Single(schedule.At(Noon.AddMinutes(2), new FireDueTime(Id)).Events)).ScheduledAt);
        // A repeated record (the entity restarted before the reply) changes nothing.
        Assert.Empty(schedule.At(Noon.AddMinutes(3), new RecordScheduledRuns(Id, ((ScheduleFired)first).ScheduledAt, [])).Events);
    }

    [Fact]
    public void Dropping_the_triggers_disables_the_schedule_and_declaring_them_again_owes_nothing_from_the_time_between()
    {
        var schedule = new Schedule();
        schedule.At(Noon, Declare(1, EveryMinute));
        Assert.IsType<ScheduleDisabled>(Assert.Single(schedule.At(Noon.AddSeconds(10), Declare(2)).Events));
        Assert.False(schedule.State.HasUnfinishedWork);
        Assert.Null(schedule.TickAt(Noon.AddMinutes(3)));
        Assert.Empty(schedule.At(Noon.AddMinutes(3), Declare(3)).Events);

        schedule.At(Noon.AddMinutes(3).AddSeconds(10), Declare(4, EveryMinute));
        Assert.Equal((Noon.AddMinutes(4), 0), (schedule.TickAt(Noon.AddMinutes(4))!.ScheduledAt, schedule.History.OfType<ScheduleFired>().Single().MissedTimes));
    }

    [Fact]
    public void A_declaration_older_than_the_last_one_heard_changes_nothing_and_the_same_one_again_adds_no_event()
    {
        var schedule = new Schedule();
        schedule.At(Noon, Declare(5, Hourly));
        Assert.Empty(schedule.At(Noon, Declare(4)).Events);
        Assert.Empty(schedule.At(Noon, Declare(4, EveryMinute)).Events);
        Assert.Empty(schedule.At(Noon, Declare(6, new ScheduleTrigger("0 * * * *", new Filters(new RefFilter(["main"], null), null)))).Events);
        Assert.Equal([Hourly.Cron], schedule.State.Triggers.Select(t => t.Cron));

        var changed = Assert.IsType<ScheduleConfigured>(Assert.Single(schedule.At(Noon.AddMinutes(1), Declare(7, EveryMinute)).Events));
        Assert.Equal(7, changed.PipelineNumber);
        // Changing the cron keeps the high-water mark: 12:01 is owed, nothing before the first declaration.
        Assert.Equal(Noon.AddMinutes(1), schedule.TickAt(Noon.AddMinutes(1).AddSeconds(1))!.ScheduledAt);
    }

    [Fact]
    public void A_disabled_or_unknown_schedule_never_fires_and_recovery_rebuilds_the_same_state()
    {
        var unknown = new Schedule();
        Assert.Empty(unknown.At(Noon, new FireDueTime(Id)).Events);
        Assert.False(unknown.State.Exists);

        var schedule = new Schedule();
        schedule.At(Noon, Declare(1, EveryMinute, Hourly));
        schedule.TickAt(Noon.AddMinutes(1));
        schedule.At(Noon.AddMinutes(2), new FireDueTime(Id));
        Assert.Equal(schedule.State, schedule.History.Aggregate(ScheduleState.Empty(Id), (state, e) => state.Apply(e)));
        Assert.True(schedule.State.HasUnfinishedWork);
        Assert.NotNull(schedule.State.Pending);
    }
}
