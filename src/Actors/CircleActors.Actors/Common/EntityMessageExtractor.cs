using Akka.Cluster.Sharding;

namespace CircleActors.Actors.Common;

/// <summary>
/// Routes a message to the entity whose id it names, hashing the id into a fixed number of
/// shards. Ten shards per expected services node is the usual rule; 30 leaves room for three.
/// </summary>
public abstract class EntityMessageExtractor(int maxShards = EntityMessageExtractor.DefaultShards) : HashCodeMessageExtractor(maxShards)
{
    public const int DefaultShards = 30;
}
