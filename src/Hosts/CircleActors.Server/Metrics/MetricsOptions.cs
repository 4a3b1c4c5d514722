namespace CircleActors.Server.Metrics;

/// <summary>Where metrics go besides <c>/metrics</c>, and how often gauges are sampled and sent.</summary>
public sealed record MetricsOptions
{
    /// <summary>How often gauges are sampled from the scheduler, the read store and the cluster, and statsd is flushed.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A statsd/DogStatsD agent to send every metric to over UDP; none when null.</summary>
    public StatsdOptions? Statsd { get; init; }
}

/// <summary>
/// A statsd or DogStatsD agent (Telegraf's statsd input, the Datadog agent, the CloudWatch
/// agent). <paramref name="Prefix"/> goes before every name; <paramref name="Tags"/> (such as
/// <c>Env=production</c>) go on every datagram in DogStatsD's <c>|#key:value</c> form.
/// </summary>
public sealed record StatsdOptions(string Host, int Port, string Prefix, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Parses <c>host:port</c>; the reason when it is not one.</summary>
    public static StatsdOptions Parse(string address, string prefix, IEnumerable<string> tags)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"--statsd must be host:port, not '{address}'");
        var parsed = new Dictionary<string, string>();
        foreach (var tag in tags)
        {
            var equals = tag.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"--statsd-tag must be key=value, not '{tag}'");
            parsed[tag[..equals]] = tag[(equals + 1)..];
        }
        return new StatsdOptions(address[..colon], port, prefix, parsed);
    }
}
