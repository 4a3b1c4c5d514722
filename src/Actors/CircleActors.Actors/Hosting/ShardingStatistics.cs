using Akka.Actor;
using Akka.Cluster.Sharding;

namespace CircleActors.Actors.Hosting;

/// <summary>Shards and entities per entity type and node, as the shard regions report them.</summary>
public static class ShardingStatistics
{
    /// <summary>Every sharded entity type a services node hosts (the names <see cref="ServicesHosting"/> gives them).</summary>
    public static readonly IReadOnlyList<string> EntityTypes = ["project", "pipeline", "workflow", "job", "job-log", "schedule", "test-results", "test-timings"];

    /// <summary>One entity type's region on one node (host:port of its cluster address).</summary>
    public sealed record RegionOnNode(string EntityType, string Node, int Shards, int Entities);

    /// <summary>
    /// Asks each region for the cluster-wide view, all at once: a region waits out the whole
    /// timeout for a member that died, and the regions must not wait one after the other.
    /// </summary>
    public static async Task<IReadOnlyList<RegionOnNode>> GetAsync(ActorSystem system, TimeSpan timeout)
    {
        var sharding = ClusterSharding.Get(system);
        var answers = await Task.WhenAll(EntityTypes.Select(async type =>
        {
            var stats = await sharding.ShardRegion(type).Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + TimeSpan.FromSeconds(1));
            return stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => new RegionOnNode(type, $"{r.Key.Host}:{r.Key.Port}", r.Value.Stats.Count, r.Value.Stats.Values.Sum()));
        }));
        return answers.SelectMany(rows => rows).ToList();
    }
}
