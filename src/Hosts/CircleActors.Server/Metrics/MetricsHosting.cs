using CircleActors.Actors.Metrics;
using Prometheus;

namespace CircleActors.Server.Metrics;

/// <summary>Wires the metrics: the sampler and its gauges, Prometheus at <c>/metrics</c>, and statsd when configured.</summary>
public static class MetricsHosting
{
    public const string PrometheusPath = "/metrics";

    /// <summary>Milliseconds, from a journal write on a fast disk to a task that waited minutes for capacity.</summary>
    private static readonly double[] MillisecondBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000];

    public static IServiceCollection AddCircleMetrics(this IServiceCollection services, MetricsOptions options)
    {
        services.AddSingleton<MetricsSampler>();
        services.AddHostedService(provider => provider.GetRequiredService<MetricsSampler>());
        services.AddSingleton<ServerGauges>();
        if (options.Statsd is not null) services.AddHostedService<DogStatsdExporter>();
        return services;
    }

    private static int _adapterStarted;

    /// <summary>
    /// Starts prometheus-net's adapter of .NET meters now, once per process. Its default adapter
    /// starts only at the first scrape and misses what was counted before it, so that one is
    /// suppressed (the process and runtime metrics stay).
    /// </summary>
    public static void StartPrometheusAdapter()
    {
        if (Interlocked.Exchange(ref _adapterStarted, 1) == 1) return;
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressMeters = true, SuppressProcessMetrics = false, SuppressDebugMetrics = false, SuppressEventCounters = false,
        });
        MeterAdapter.StartListening(new MeterAdapterOptions
        {
            // The adapter forgets a series not updated for this long; ours are few and bounded
            // (nodes, statuses), and a counter that stays still must not vanish from a dashboard.
            MetricsExpireAfter = TimeSpan.FromDays(1),
            ResolveHistogramBuckets = instrument => instrument.Unit == "ms" ? MillisecondBuckets : Histogram.ExponentialBuckets(0.01, 2, 16),
        });
    }

    public static void MapCircleMetrics(this WebApplication app)
    {
        app.Services.GetRequiredService<ServerGauges>();
        app.Lifetime.ApplicationStarted.Register(CircleMeter.PublishZeroes);
        app.MapMetrics(PrometheusPath);
    }
}
