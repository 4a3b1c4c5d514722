using Akka.Actor;
using Akka.Hosting;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.Workflows;

namespace CircleActors.Server.Hosting;

/// <summary>The entity regions and singletons the HTTP side sends commands and queries to.</summary>
public sealed class Entities(IReadOnlyActorRegistry registry, RepositoryMirror mirror, CircleActors.Actors.Projections.ReadDocuments documents)
{
    public IActorRef Projects => registry.Get<ProjectRegion>();
    public IActorRef Pipelines => registry.Get<PipelineRegion>();
    public IActorRef Workflows => registry.Get<WorkflowRegion>();
    public IActorRef Jobs => registry.Get<JobRegion>();
    public IActorRef Scheduler => registry.Get<SchedulerSingleton>();

    public PipelineTriggers Triggers => new(Projects, Pipelines, Workflows, mirror, documents);
}
