using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CircleActors.Actors.Common;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Schedules;
using CircleActors.Domain.Schedules.Messages;
using static CircleActors.Domain.Schedules.Messages.ScheduleEvents;

namespace CircleActors.Actors.Schedules;

/// <summary>
/// The schedule of one workflow of one project. While enabled it stays alive (remembered by
/// sharding, so it starts again with the cluster) and looks every tick for a scheduled time that
/// fell due; it records the time as fired before starting its pipelines, whose ids derive from
/// the time and branch, so a time never starts two pipelines on a branch, across restarts and
/// whichever node hosts the entity.
/// </summary>
public sealed class ScheduleEntity : AggregateEntity<ScheduleState, IScheduleCommand, IScheduleEvent>
{
    public const string PersistencePrefix = "schedule-";
    private const string TickTimer = "tick";

    private readonly RepositoryMirror _mirror;
    private readonly ReadDocuments _documents;
    private readonly TimeSpan _tick;
    private readonly TimeSpan _lateAfter;

    public ScheduleEntity(string entityId, RepositoryMirror mirror, ReadDocuments documents, IClock clock)
        : base(PersistencePrefix + entityId, ScheduleState.Empty(new ScheduleId(Guid.Parse(entityId))),
            ScaledClock.ForSchedules(Context.System.Settings.Config, clock))
    {
        _mirror = mirror;
        _documents = documents;
        var config = Context.System.Settings.Config;
        _tick = config.GetTimeSpan("circleactors.schedules.tick-interval", TimeSpan.FromSeconds(1));
        _lateAfter = config.GetTimeSpan("circleactors.schedules.late-after", TimeSpan.FromSeconds(30));
        Command<RunsStarted>(started => Handle(new ScheduleCommands.RecordScheduledRuns(State.Id, started.ScheduledAt, started.Runs), ActorRefs.Nobody));
        // The time stays pending (and no later one fires) until its pipelines are started; starting them again starts nothing twice.
        Command<RunsFailed>(failed =>
        {
            Log.Error(failed.Cause, "starting the pipelines of schedule {0} for {1:u} failed; retrying in {2}", State.Id, failed.ScheduledAt, RetryRunsAfter);
            Timers.StartSingleTimer("retry", new RetryRuns(), RetryRunsAfter);
        });
        Command<RetryRuns>(_ =>
        {
            if (State.Pending is { } fired) StartRuns(fired);
        });
    }

    public static Props PropsFor(string entityId, RepositoryMirror mirror, ReadDocuments documents, IClock clock) =>
        Props.Create(() => new ScheduleEntity(entityId, mirror, documents, clock));

    protected override ScheduleState Apply(ScheduleState state, IScheduleEvent @event) => state.Apply(@event);

    protected override Decision<IScheduleEvent> Decide(ScheduleState state, IScheduleCommand command, DateTimeOffset now) =>
        ScheduleDecider.Decide(state, command, now);

    protected override bool HasUnfinishedWork => State.HasUnfinishedWork;

    protected override void OnPersisted(IScheduleEvent @event)
    {
        switch (@event)
        {
            case ScheduleConfigured: StartTicking(); break;
            case ScheduleDisabled: Timers.Cancel(TickTimer); break;
            case ScheduleFired fired: StartRuns(fired); break;
        }
    }

    protected override void OnRecovered()
    {
        if (State.Enabled) StartTicking();
        if (State.Pending is { } fired) StartRuns(fired);
    }

    private void StartTicking()
    {
        if (!Timers.IsTimerActive(TickTimer))
            Timers.StartPeriodicTimer(TickTimer, new ScheduleCommands.FireDueTime(State.Id), TimeSpan.Zero, _tick);
    }

    private sealed record RunsStarted(DateTimeOffset ScheduledAt, IReadOnlyList<ScheduledRun> Runs);

    private sealed record RunsFailed(DateTimeOffset ScheduledAt, Exception Cause);

    private sealed record RetryRuns;

    private static readonly TimeSpan RetryRunsAfter = TimeSpan.FromSeconds(10);

    /// <summary>Starts the fired time's pipelines; runs again after a restart until they are recorded, starting nothing twice.</summary>
    private void StartRuns(ScheduleFired fired)
    {
        var registry = ActorRegistry.For(Context.System);
        var projects = registry.Get<ProjectRegion>();
        var triggers = new PipelineTriggers(projects, registry.Get<PipelineRegion>(), registry.Get<WorkflowRegion>(), _mirror, _documents);
        var (project, workflow, id) = (State.Project!.Value, State.Workflow!, State.Id);
        var trigger = new PipelineTrigger(PipelineTrigger.Scheduled, Actor.System, fired.At, Schedule:
            new ScheduledTime(workflow, fired.ScheduledAt, ScheduleDecider.LatenessNote(fired, _lateAfter)));
        if (trigger.Schedule!.Note is { } note) Log.Warning("schedule of {0} in {1}: {2}", workflow, project, note);
        var mirror = _mirror;

        async Task<RunsStarted> StartAsync()
        {
            var state = await Reliably.AskForAsync<ProjectState>(projects, new ProjectQueries.GetProject(project));
            IReadOnlyList<string> branches;
            try
            {
                branches = ScheduledBranches.Select(fired.Filters, await mirror.ListBranchesAsync(state.RepositoryUrl, CancellationToken.None), state.DefaultBranch);
            }
            catch (RepositoryException ex)
            {
                return new RunsStarted(fired.ScheduledAt, [new ScheduledRun("", null, ex.Message)]);
            }
            var runs = new List<ScheduledRun>();
            foreach (var branch in branches)
            {
                var pipeline = DerivedIds.ScheduledPipeline(id, fired.ScheduledAt, branch);
                try
                {
                    await triggers.TriggerAsync(pipeline, new PipelineTriggers.TriggerRequest(project, branch, null, null, trigger));
                    runs.Add(new ScheduledRun(branch, pipeline));
                }
                catch (CommandRejectedException ex)
                {
                    runs.Add(new ScheduledRun(branch, null, ex.Message));
                }
            }
            return new RunsStarted(fired.ScheduledAt, runs);
        }

        StartAsync().PipeTo(Self, success: started => started, failure: ex => new RunsFailed(fired.ScheduledAt, ex));
    }
}

public sealed class ScheduleMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is IWithScheduleId m ? m.ScheduleId.Value.ToString() : null;
}

/// <summary>Registry key of the schedule shard region.</summary>
public sealed class ScheduleRegion;
