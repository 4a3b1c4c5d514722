using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.TestResults;

public static class TestResultsHosting
{
    /// <summary>
    /// The test results entities, on services nodes. Nothing to remember: an entity holds no
    /// unfinished work, and a batch or a query wakes it.
    /// </summary>
    public static AkkaConfigurationBuilder AddTestResultsEntity(this AkkaConfigurationBuilder builder, TestResultsReadModel readModel, IClock clock) =>
        builder.WithShardRegion<TestResultsRegion>("test-results", id => TestResultsEntity.PropsFor(id, readModel, clock),
            new TestResultsMessageExtractor(),
            new ShardOptions { Role = ClusterRoles.Services, StateStoreMode = StateStoreMode.DData, RememberEntities = false });

    /// <summary>What an agent-only node stores test results through.</summary>
    public static AkkaConfigurationBuilder AddTestResultsProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<TestResultsRegion>("test-results", ClusterRoles.Services, new TestResultsMessageExtractor());
}
