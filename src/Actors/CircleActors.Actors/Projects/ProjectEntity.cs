using Akka.Actor;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;

namespace CircleActors.Actors.Projects;

/// <summary>A project: its repository, webhook secret and the counters that number its pipelines and jobs.</summary>
public sealed class ProjectEntity : AggregateEntity<ProjectState, IProjectCommand, IProjectEvent>
{
    public const string PersistencePrefix = "project-";

    public ProjectEntity(string entityId, IClock clock)
        : base(PersistencePrefix + entityId, ProjectState.Empty(ProjectSlug.Parse(entityId)), clock)
    {
    }

    public static Props PropsFor(string entityId, IClock clock) => Props.Create(() => new ProjectEntity(entityId, clock));

    protected override ProjectState Apply(ProjectState state, IProjectEvent @event) => state.Apply(@event);

    protected override Decision<IProjectEvent> Decide(ProjectState state, IProjectCommand command, DateTimeOffset now) =>
        ProjectDecider.Decide(state, command, now);

    // A project only counts; it never has work of its own to resume.
    protected override bool HasUnfinishedWork => false;
}

public sealed class ProjectMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is IWithProjectSlug m ? m.Slug.Value : null;
}

/// <summary>Registry key of the project shard region.</summary>
public sealed class ProjectRegion;
