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
    /// The test results entities and the timings readers, on services nodes. Nothing to
    /// remember: neither holds unfinished work, and a batch or a query wakes them.
    /// </summary>
    public static AkkaConfigurationBuilder AddTestResultsEntity(this AkkaConfigurationBuilder builder, TestResultsReadModel readModel, IClock clock) =>
        builder
            .WithShardRegion<TestResultsRegion>("test-results", id => TestResultsEntity.PropsFor(id, clock),
                new TestResultsMessageExtractor(), Unremembered)
            .WithShardRegion<TestTimingsRegion>("test-timings", _ => TestTimingsReader.PropsFor(readModel),
                new TestTimingsMessageExtractor(), Unremembered);

    private static ShardOptions Unremembered => new() { Role = ClusterRoles.Services, StateStoreMode = StateStoreMode.DData, RememberEntities = false };
}
