using CircleActors.Actors.Persistence;
using CircleActors.Agent.Runtime;

namespace CircleActors.Server.Hosting;

/// <summary>Which executors an in-process or remote agent uses: real ones, or the fake for benchmarks.</summary>
public enum ExecutorKind { Real, Fake }

/// <summary>Everything <c>circleactors server</c> is told on its command line.</summary>
public sealed record ServerOptions
{
    public required string DataDirectory { get; init; }
    public string HttpUrl { get; init; } = "http://127.0.0.1:7000";
    /// <summary>Serve HTTPS on <see cref="HttpUrl"/> (an https:// address) with the operator's certificate; plain HTTP when null.</summary>
    public TlsCertificate? Tls { get; init; }
    public JournalSettings? Journal { get; init; }
    public string ClusterHost { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests); agents join the port given here.</summary>
    public int ClusterPort { get; init; } = 7100;
    /// <summary>Other services nodes to join; empty for a node that starts the cluster.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    public bool RunAgent { get; init; } = true;
    public AgentSettings? Agent { get; init; }
    public ExecutorKind Executor { get; init; } = ExecutorKind.Real;
    /// <summary>Where to set commit statuses; none are set when null.</summary>
    public GitHub.GitHubSettings? GitHub { get; init; }
    /// <summary>
    /// Serve every artifact with its own content type (HTML, scripts, ...), inline. Off by default:
    /// an artifact is whatever a build wrote, and the server's origin is the API's.
    /// </summary>
    public bool ServeUnsafeArtifacts { get; init; }
    /// <summary>The operator's message on the sign-in page (terms of use, a maintenance notice); none when null.</summary>
    public string? LoginBanner { get; init; }
    /// <summary>The key sealing project environment variables (base64 of 32 bytes); null: DATA_DIR/secrets.key, made on first start.</summary>
    public string? SecretsKey { get; init; }
    /// <summary>Extra HOCON prepended to everything (tests shorten leases with it).</summary>
    public string? ExtraHocon { get; init; }

    public Metrics.MetricsOptions Metrics { get; init; } = new();

    public JournalSettings EffectiveJournal => Journal ?? JournalSettings.SqliteIn(DataDirectory);
}
