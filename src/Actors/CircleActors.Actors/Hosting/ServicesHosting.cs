using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
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

    /// <summary>What an agent-only node talks to: proxies of the project, job and job-log regions, of the scheduler and of the blob service.</summary>
    public static AkkaConfigurationBuilder AddAgentProxies(this AkkaConfigurationBuilder builder) =>
        builder
            .WithShardRegionProxy<ProjectRegion>("project", ClusterRoles.Services, new ProjectMessageExtractor())
            .WithShardRegionProxy<JobRegion>("job", ClusterRoles.Services, new JobMessageExtractor())
            .WithShardRegionProxy<JobLogRegion>("job-log", ClusterRoles.Services, new JobLogMessageExtractor())
            .AddTestResultsProxy()
            .WithSingletonProxy<SchedulerSingleton>("scheduler", new ClusterSingletonOptions { Role = ClusterRoles.Services })
            .WithSingletonProxy<BlobServiceSingleton>("blobs", new ClusterSingletonOptions { Role = ClusterRoles.Services });
}
