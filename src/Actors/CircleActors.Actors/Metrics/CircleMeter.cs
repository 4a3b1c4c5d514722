using System.Diagnostics.Metrics;

namespace CircleActors.Actors.Metrics;

/// <summary>
/// Every metric the installation emits, named as CircleCI Server names them so dashboards and
/// alerts written for it carry over. Instruments are <see cref="System.Diagnostics.Metrics"/>
/// ones: the server exports them as Prometheus text and as DogStatsD datagrams
/// (docs/operations.md), and anything that records one needs no exporter of its own.
/// Gauges are observed from a snapshot the server samples, so they are declared there.
/// </summary>
public static class CircleMeter
{
    /// <summary>
    /// The first part of every name: an instrument <c>http.request</c> is exported as
    /// <c>circle.http.request</c> to statsd and <c>circle_http_request</c> to Prometheus.
    /// </summary>
    public const string Name = "circle";

    /// <summary>The name an instrument is known by outside the process.</summary>
    public static string FullName(System.Diagnostics.Metrics.Instrument instrument) => $"{instrument.Meter.Name}.{instrument.Name}";

    public static readonly Meter Meter = new(Name);

    /// <summary>The server could not poll the scheduler for its queue and nodes.</summary>
    public static readonly Counter<long> PollFailures = Meter.CreateCounter<long>("nomad.server_agent.poll_failure");

    /// <summary>Time from a task's first queueing to its assignment, in milliseconds.</summary>
    public static readonly Histogram<double> RunQueueLatency = Meter.CreateHistogram<double>("run-queue.latency", "ms");

    /// <summary>HTTP requests answered, tagged by status code.</summary>
    public static readonly Counter<long> HttpRequests = Meter.CreateCounter<long>("http.request");

    /// <summary>Calls to GitHub's API (commit statuses, the health check), tagged <c>outcome</c> success or failure.</summary>
    public static readonly Counter<long> GitHubApiCalls = Meter.CreateCounter<long>("github.api_call");

    /// <summary>Artifact uploads the blob service refused (broken stream, damaged, not storable).</summary>
    public static readonly Counter<long> ArtifactUploadErrors = Meter.CreateCounter<long>("backend.action.upload-artifact-error");

    /// <summary>From persisting a command's events to their being durable, in milliseconds, tagged by entity type.</summary>
    public static readonly Histogram<double> JournalWriteLatency = Meter.CreateHistogram<double>("journal.write.latency", "ms");

    /// <summary>
    /// Counters start at zero where they are published, so a rate over them is defined (and a
    /// dashboard shows 0, not "no data") before the first event.
    /// </summary>
    public static void PublishZeroes()
    {
        PollFailures.Add(0);
        GitHubApiCalls.Add(0);
        ArtifactUploadErrors.Add(0);
    }
}
