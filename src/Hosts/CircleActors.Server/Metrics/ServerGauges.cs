using System.Diagnostics.Metrics;
using CircleActors.Actors.Metrics;

namespace CircleActors.Server.Metrics;

/// <summary>
/// The gauges, observed from the sampler's latest snapshot. They live on a meter of this host
/// (same name as <see cref="CircleMeter"/>), disposed with it, so a stopped server publishes none.
/// </summary>
public sealed class ServerGauges : IDisposable
{
    private readonly Meter _meter = new(CircleMeter.Name);

    public ServerGauges(MetricsSampler sampler)
    {
        MetricsSnapshot Now() => sampler.Latest;
        Gauge("nomad.server_agent.jobs.pending", () => Now().Pending.Count);
        Gauge("nomad.server_agent.jobs.running", () => Now().Nodes.Sum(n => n.Allocations.Count));
        Gauge("nomad.server_agent.jobs.complete", () => Now().JobsComplete);
        Gauge("nomad.server_agent.jobs.dead", () => Now().JobsDead);
        Gauge("build-queue.runnable.builds", () => Now().Pending.Select(p => p.Task.JobId).Distinct().Count());
        PerNode("nomad.client_agent.allocations", n => n.Allocations.Count);
        PerNode("nomad.client_agent.cpu.allocated", n => n.UsedCpus);
        PerNode("nomad.client_agent.cpu.total", n => n.CapacityCpus);
        PerNode("nomad.client_agent.memory.allocated", n => n.UsedMemoryMb, "MB");
        PerNode("nomad.client_agent.memory.total", n => n.CapacityMemoryMb, "MB");
        PerNode("nomad.client_agent.ready", n => n.Status == "ready" ? 1 : 0);
        PerNode("nomad.client_agent.draining", n => n.Drain ? 1 : 0);
        _meter.CreateObservableGauge("cluster.members", () => Now().MembersByStatus.Select(m =>
            new Measurement<double>(m.Value, new KeyValuePair<string, object?>("status", m.Key))));
        _meter.CreateObservableGauge("cluster.shards", () => Now().Shards.Select(s =>
            new Measurement<double>(s.Shards, new KeyValuePair<string, object?>("node", s.Node), new KeyValuePair<string, object?>("entity_type", s.EntityType))));
        Gauge("projector.lag", () => Now().ProjectorLag, "events");

        void Gauge(string name, Func<double> value, string? unit = null) => _meter.CreateObservableGauge(name, value, unit);

        void PerNode(string name, Func<Actors.Scheduling.SchedulerProtocol.NodeInfo, double> value, string? unit = null) =>
            _meter.CreateObservableGauge(name, () => Now().Nodes.Select(n =>
                new Measurement<double>(value(n), new KeyValuePair<string, object?>("node", n.Id.Value))), unit);
    }

    public void Dispose() => _meter.Dispose();
}
