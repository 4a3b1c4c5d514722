using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Schedules;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;

namespace CircleActors.Actors.Pipelines;

/// <summary>
/// A pipeline: reads the config at its revision, plans the workflows that run for its branch
/// or tag, and starts one workflow entity for each. Each stage is resumed after a restart.
/// </summary>
public sealed class PipelineEntity : AggregateEntity<PipelineState, IPipelineCommand, IPipelineEvent>
{
    public const string PersistencePrefix = "pipeline-";

    private readonly RepositoryMirror _mirror;
    private readonly IOrbRegistry _orbs;

    public PipelineEntity(string entityId, RepositoryMirror mirror, IOrbRegistry orbs, IClock clock)
        : base(PersistencePrefix + entityId, PipelineState.Empty(new PipelineId(Guid.Parse(entityId))), clock)
    {
        _mirror = mirror;
        _orbs = orbs;
        Command<ConfigRead>(OnConfigRead);
        Command<ConfigPlanned>(planned => Handle(new PipelineCommands.CompileConfig(State.Id, planned.Revision, planned.Source, planned.Workflows, planned.Schedules), ActorRefs.Nobody));
        Command<StageFailed>(failed => Handle(new PipelineCommands.FailPipeline(State.Id, failed.Revision, failed.Errors), ActorRefs.Nobody));
        Command<WorkflowsStarted>(_ => Handle(new PipelineCommands.ConfirmWorkflowsCreated(State.Id), ActorRefs.Nobody));
    }

    public static Props PropsFor(string entityId, RepositoryMirror mirror, IOrbRegistry orbs, IClock clock) =>
        Props.Create(() => new PipelineEntity(entityId, mirror, orbs, clock));

    protected override PipelineState Apply(PipelineState state, IPipelineEvent @event) => state.Apply(@event);

    protected override Decision<IPipelineEvent> Decide(PipelineState state, IPipelineCommand command, DateTimeOffset now) =>
        PipelineDecider.Decide(state, command, now);

    protected override bool HasUnfinishedWork => State.HasUnfinishedWork;

    // A short history (tens of events): see AggregateEntity.TakesSnapshots.
    protected override bool TakesSnapshots => false;

    protected override void OnPersisted(IPipelineEvent @event)
    {
        switch (@event)
        {
            case PipelineCreated: ReadConfig(); break;
            case PipelineConfigCompiled: StartWorkflows(); break;
        }
    }

    protected override void OnRecovered()
    {
        if (State.Stage == PipelineStage.Pending) ReadConfig();
        else if (State is { Stage: PipelineStage.Created, WorkflowsCreated: false }) StartWorkflows();
    }

    private sealed record ConfigRead(RepositoryMirror.Revision Revision);

    private sealed record ConfigPlanned(string Revision, string Source, IReadOnlyList<PlannedWorkflow> Workflows, IReadOnlyList<WorkflowSchedule>? Schedules);

    private sealed record StageFailed(string? Revision, IReadOnlyList<PipelineError> Errors);

    private sealed record WorkflowsStarted;

    private void ReadConfig()
    {
        var created = State.Created!;
        _mirror.ReadConfigAsync(created.RepositoryUrl, created.Branch, created.Tag, created.Revision, CancellationToken.None)
            .PipeTo(Self,
                success: revision => new ConfigRead(revision),
                failure: ex => new StageFailed(created.Revision, [new PipelineError("config-fetch", ex.GetBaseException().Message)]));
    }

    private void OnConfigRead(ConfigRead read)
    {
        // Deleted while its config was being read: nothing more to plan.
        if (State.IsDeleted) return;
        var created = State.Created!;
        var revision = read.Revision;
        var parsed = CompileConfig(created, revision.Sha, revision.ConfigSource, _orbs);
        if (!parsed.IsValid || parsed.Config is null)
        {
            Self.Tell(new StageFailed(revision.Sha, parsed.Errors.Select(e => new PipelineError("config", e.ToString())).ToList()));
            return;
        }

        var config = parsed.Config;
        var gitRef = created.Tag is not null ? GitRef.Tag(created.Tag) : GitRef.Branch(created.Branch ?? "");
        var workflows = created.Trigger.Schedule is { } scheduled
            ? WorkflowFilter.SelectScheduled(config, scheduled.Workflow, gitRef)
            : WorkflowFilter.Select(config, gitRef);
        // Only a branch's config can declare schedules; the project takes them from its default branch's.
        var schedules = created.Branch is not null ? WorkflowFilter.Schedules(config) : null;
        var problems = PipelinePlanner.Check(config, workflows);
        if (problems.Count > 0)
        {
            Self.Tell(new StageFailed(revision.Sha, problems));
            return;
        }

        var projects = ActorRegistry.For(Context.System).Get<ProjectRegion>();
        var pipelineId = State.Id;
        Reliably.AskForAsync<ProjectReplies.JobNumbersReserved>(projects,
                new ProjectCommands.ReserveJobNumbers(created.Project, pipelineId, PipelinePlanner.JobNumbersNeeded(workflows)))
            .PipeTo(Self,
                success: block => new ConfigPlanned(revision.Sha, revision.ConfigSource,
                    PipelinePlanner.Plan(pipelineId, config, workflows, block.First), schedules),
                failure: ex => new StageFailed(revision.Sha, [new PipelineError("plan", ex.GetBaseException().Message)]));
    }

    /// <summary>
    /// Processes a pipeline's config as the pipeline did: with its pipeline values and parameters,
    /// against the orbs the server holds. Deterministic, so the API recompiles it on demand
    /// rather than journaling the compiled text.
    /// </summary>
    public static ConfigParseResult CompileConfig(PipelineCreated created, string revision, string source, IOrbRegistry orbs)
    {
        var values = new PipelineValues(
            Id: created.PipelineId.ToString(),
            Number: created.Number,
            Branch: created.Branch,
            Tag: created.Tag,
            Revision: revision,
            ProjectGitUrl: created.RepositoryUrl,
            ProjectType: created.RepositoryUrl.Contains("github", StringComparison.OrdinalIgnoreCase) ? "github" : null,
            TriggerSource: created.Trigger.Type);
        return ConfigParser.Parse(source, RepositoryMirror.ConfigPath, new ConfigOptions(values, PipelineParameters.Normalize(created.Parameters), orbs));
    }

    private void StartWorkflows()
    {
        var created = State.Created!;
        var context = new WorkflowContext(State.Id, created.Number, created.Project, created.RepositoryUrl, State.Revision!, created.Branch, created.Tag);
        var workflows = ActorRegistry.For(Context.System).Get<WorkflowRegion>();
        var starts = State.Workflows.Select(w =>
            (Task)Reliably.AskForAsync<Accepted>(workflows, new WorkflowCommands.StartWorkflow(w.WorkflowId, w.Name, context, w.Jobs, created.Trigger.Actor)));
        if (State.Schedules is { } schedules)
            starts = starts.Append(ScheduleDeclarations.DeclareAsync(ActorRegistry.For(Context.System), created, schedules));
        var log = Log;
        // A failure here leaves the pipeline remembered: its next start tries again.
        Task.WhenAll(starts).PipeTo(Self, success: () => new WorkflowsStarted(), failure: ex =>
        {
            log.Error(ex, "starting the workflows of pipeline {0} failed", created.PipelineId);
            return new Status.Failure(ex);
        });
    }
}

public sealed class PipelineMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is IWithPipelineId m ? m.PipelineId.Value.ToString() : null;
}

/// <summary>Registry key of the pipeline shard region.</summary>
public sealed class PipelineRegion;
