using Akka.Actor;
using Akka.Cluster;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Metrics;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Metrics;

/// <summary>
/// What the gauges report, sampled together so a scrape or a statsd flush never waits on the
/// scheduler or a database, and never asks them more often than the sampling interval.
/// </summary>
public sealed record MetricsSnapshot(
    IReadOnlyList<SchedulerProtocol.NodeInfo> Nodes,
    IReadOnlyList<SchedulerProtocol.PendingTask> Pending,
    IReadOnlyDictionary<string, long> JobsByStatus,
    IReadOnlyDictionary<string, int> MembersByStatus,
    IReadOnlyList<ShardingStatistics.RegionOnNode> Shards,
    long ProjectorLag)
{
    public static readonly MetricsSnapshot Empty = new([], [], new Dictionary<string, long>(), new Dictionary<string, int>(), [], 0);

    public long JobsComplete => JobsByStatus.TryGetValue(JobStatus.Success.ToWire(), out var n) ? n : 0;

    /// <summary>Jobs that ended any other way: failed, canceled, infrastructure_fail, timedout, unauthorized.</summary>
    public long JobsDead => Enum.GetValues<JobStatus>().Where(s => s.IsTerminal() && !s.IsSuccessful())
        .Sum(s => JobsByStatus.TryGetValue(s.ToWire(), out var n) ? n : 0);
}

/// <summary>Samples <see cref="MetricsSnapshot"/> every interval; a part that cannot be read keeps its last value.</summary>
public sealed class MetricsSampler(
    ActorSystem system, Entities entities, ReadDocuments documents, ReadStore store, ServerOptions options, ILogger<MetricsSampler> log) : BackgroundService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    public MetricsSnapshot Latest { get; private set; } = MetricsSnapshot.Empty;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Metrics.Interval);
        do
        {
            try
            {
                Latest = await SampleAsync(Latest, stopping);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                log.LogWarning(ex, "metrics sampling failed");
            }
        } while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }

    private async Task<MetricsSnapshot> SampleAsync(MetricsSnapshot last, CancellationToken ct)
    {
        var next = last;
        try
        {
            var nodes = await entities.Scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes(), Patience, ct);
            var pending = await entities.Scheduler.Ask<SchedulerProtocol.PendingTaskList>(new SchedulerProtocol.GetPendingTasks(), Patience, ct);
            next = next with { Nodes = nodes.Nodes, Pending = pending.Tasks };
        }
        catch (AskTimeoutException)
        {
            CircleMeter.PollFailures.Add(1);
        }
        next = next with { JobsByStatus = await documents.CountByStatusAsync(DocumentProjection.JobKind, ct) };
        next = next with { ProjectorLag = await ProjectionLag.EventsBehindAsync(options.EffectiveJournal, store, ServerHost.Projections, ct) };
        var state = Cluster.Get(system).State;
        next = next with
        {
            MembersByStatus = state.Members.GroupBy(m => state.Unreachable.Contains(m) ? "unreachable" : m.Status.ToString().ToLowerInvariant())
                .ToDictionary(g => g.Key, g => g.Count()),
        };
        try
        {
            next = next with { Shards = await ShardingStatistics.GetAsync(system, Patience) };
        }
        catch (AskTimeoutException)
        {
            // Regions still starting: the last count stands.
        }
        return next;
    }
}
