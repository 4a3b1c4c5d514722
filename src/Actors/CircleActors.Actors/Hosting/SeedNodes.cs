namespace CircleActors.Actors.Hosting;

/// <summary>The addresses a node joins the cluster through, as operators write them on <c>--join</c>.</summary>
public static class SeedNodes
{
    public const string ActorSystemName = "circleactors";

    /// <summary>
    /// Each value may hold several seeds separated by commas, each either <c>host:port</c> or a full
    /// <c>akka.tcp://circleactors@host:port</c> address; several seeds let a node (re)join while any
    /// one of them is down.
    /// </summary>
    /// <exception cref="ArgumentException">A seed is neither form.</exception>
    public static IReadOnlyList<string> Parse(IEnumerable<string> values) => values
        .SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Select(Normalize)
        .Distinct()
        .ToArray();

    private static string Normalize(string seed)
    {
        if (seed.Contains("://"))
            return seed.StartsWith($"akka.tcp://{ActorSystemName}@", StringComparison.Ordinal)
                ? seed
                : throw new ArgumentException($"--join {seed}: a seed address must be akka.tcp://{ActorSystemName}@host:port");
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"--join {seed}: expected host:port or akka.tcp://{ActorSystemName}@host:port");
        return $"akka.tcp://{ActorSystemName}@{seed}";
    }
}
