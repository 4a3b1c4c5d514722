using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Routing;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Routing;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Schedules;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.TestResults;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;

namespace CircleActors.Actors.Hosting;

/// <summary>
/// Wires each entity type, the scheduler and the job logs into an actor system: hosted on
/// services nodes, reached through proxies from agents.
/// </summary>
public static class ServicesHosting
{
    /// <summary>Options shared by the persistent entities: remembered while they have work (see cluster.conf).</summary>
    private static ShardOptions PersistentEntities => new()
    {
        Role = ClusterRoles.Services,
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
    };

    /// <param name="secrets">Opens project environment variables for agents; every services node needs the same key.</param>
    public static AkkaConfigurationBuilder AddProjectEntity(this AkkaConfigurationBuilder builder, IClock clock, SecretBox? secrets) =>
        builder.WithShardRegion<ProjectRegion>("project", id => ProjectEntity.PropsFor(id, clock, secrets), new ProjectMessageExtractor(), PersistentEntities);

    public static AkkaConfigurationBuilder AddPipelineEntity(this AkkaConfigurationBuilder builder, RepositoryMirror mirror, IOrbRegistry orbs, IClock clock) =>
        builder.WithShardRegion<PipelineRegion>("pipeline", id => PipelineEntity.PropsFor(id, mirror, orbs, clock), new PipelineMessageExtractor(), PersistentEntities);

    public static AkkaConfigurationBuilder AddWorkflowEntity(this AkkaConfigurationBuilder builder, IClock clock) =>
        builder.WithShardRegion<WorkflowRegion>("workflow", id => WorkflowEntity.PropsFor(id, clock), new WorkflowMessageExtractor(), PersistentEntities);

    public static AkkaConfigurationBuilder AddJobEntity(this AkkaConfigurationBuilder builder, IClock clock) =>
        builder.WithShardRegion<JobRegion>("job", id => JobEntity.PropsFor(id, clock), new JobMessageExtractor(), PersistentEntities);

    /// <param name="clock">The real clock; <c>circleactors.schedules.time-scale</c> may speed it up for rehearsals.</param>
    public static AkkaConfigurationBuilder AddScheduleEntity(this AkkaConfigurationBuilder builder, RepositoryMirror mirror, ReadDocuments documents, IClock clock) =>
        builder.WithShardRegion<ScheduleRegion>("schedule", id => ScheduleEntity.PropsFor(id, mirror, documents, clock), new ScheduleMessageExtractor(), PersistentEntities);

    /// <summary>Job logs hold no journal state: nothing to remember.</summary>
    public static AkkaConfigurationBuilder AddJobLogEntity(this AkkaConfigurationBuilder builder, BlobStore blobs) =>
        builder.WithShardRegion<JobLogRegion>("job-log", _ => JobLogEntity.PropsFor(blobs), new JobLogMessageExtractor(),
            new ShardOptions { Role = ClusterRoles.Services, StateStoreMode = StateStoreMode.DData, RememberEntities = false });

    public static AkkaConfigurationBuilder AddScheduler(this AkkaConfigurationBuilder builder, IClock clock) =>
        builder.WithSingleton<SchedulerSingleton>("scheduler", SchedulerActor.PropsFor(clock),
            new ClusterSingletonOptions { Role = ClusterRoles.Services }, createProxyToo: true);

    /// <summary>Blob transfers: one per cluster, on the services node whose data directory holds the blob store.</summary>
    public static AkkaConfigurationBuilder AddBlobService(this AkkaConfigurationBuilder builder, BlobStore blobs) =>
        builder.WithSingleton<BlobServiceSingleton>("blobs", BlobServiceActor.PropsFor(blobs),
            new ClusterSingletonOptions { Role = ClusterRoles.Services }, createProxyToo: true);

    /// <summary>
    /// Everything a services node hosts; without an orb registry, configs can use inline orbs only;
    /// without a secrets key, project environment variables cannot be opened for jobs.
    /// </summary>
    /// <param name="scheduleClock">What schedules read the time from; the node's clock unless a spec steers it.</param>
    public static AkkaConfigurationBuilder AddServices(
        this AkkaConfigurationBuilder builder, RepositoryMirror mirror, BlobStore blobs, ReadDocuments documents, IClock clock,
        IOrbRegistry? orbs = null, IClock? scheduleClock = null, SecretBox? secrets = null) =>
        builder
            .AddProjectEntity(clock, secrets)
            .AddPipelineEntity(mirror, orbs ?? EmptyOrbRegistry.Instance, clock)
            .AddScheduleEntity(mirror, documents, scheduleClock ?? clock)
            .AddWorkflowEntity(clock)
            .AddJobEntity(clock)
            .AddJobLogEntity(blobs)
            .AddBlobService(blobs)
            .AddScheduler(clock);

    /// <summary>
    /// What an agent-only node talks to: routers to the project, job, job-log and test results
    /// regions on the services nodes, and proxies of the scheduler and of the blob service.
    /// </summary>
    /// <remarks>
    /// Routers, not shard region proxies: a shard moves to another node only once every region
    /// and every proxy has acknowledged the hand-off, so a killed agent's proxy held up each
    /// rebalance, and the messages for the shards in it (which were then dropped), until the
    /// agent was removed from the cluster about 15 s later. A region accepts a message from
    /// anywhere and forwards it to the entity's node; the router skips unreachable nodes.
    /// </remarks>
    public static AkkaConfigurationBuilder AddAgentProxies(this AkkaConfigurationBuilder builder) =>
        builder
            .WithServicesRegionRouter<ProjectRegion>("project")
            .WithServicesRegionRouter<JobRegion>("job")
            .WithServicesRegionRouter<JobLogRegion>("job-log")
            .WithServicesRegionRouter<TestResultsRegion>("test-results")
            .WithServicesRegionRouter<TestTimingsRegion>("test-timings")
            .WithSingletonProxy<SchedulerSingleton>("scheduler", new ClusterSingletonOptions { Role = ClusterRoles.Services })
            .WithSingletonProxy<BlobServiceSingleton>("blobs", new ClusterSingletonOptions { Role = ClusterRoles.Services });

    /// <summary>Registers, as <typeparamref name="TRegion"/>, a round-robin router to the <paramref name="entityType"/> region of every services node.</summary>
    private static AkkaConfigurationBuilder WithServicesRegionRouter<TRegion>(this AkkaConfigurationBuilder builder, string entityType) =>
        builder.WithActors((system, registry) =>
        {
            var region = $"/system/sharding/{entityType}";
            var router = new ClusterRouterGroup(new RoundRobinGroup([region]),
                new ClusterRouterGroupSettings(MaxServicesNodes, [region], allowLocalRoutees: false, useRole: ClusterRoles.Services));
            registry.Register<TRegion>(system.ActorOf(Props.Empty.WithRouter(router), $"{entityType}-router"));
        });

    /// <summary>More services nodes than any cluster runs: the routers' cap on routees.</summary>
    private const int MaxServicesNodes = 1000;
}
