using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CircleActors.Actors.Metrics;

namespace CircleActors.Server.Metrics;

/// <summary>
/// Sends every CircleActors metric to a statsd/DogStatsD agent over UDP, once per interval:
/// counters as the increase since the last flush (<c>|c</c>), gauges as their value (<c>|g</c>),
/// histograms in milliseconds as timings (<c>|ms</c>) and others as histograms (<c>|h</c>), each
/// sample kept up to a cap per flush (then sent with its sample rate). Hand-written over a
/// <see cref="MeterListener"/> because the package mirror serves no statsd exporter; UDP is fire
/// and forget, so a missing agent costs nothing but the datagrams.
/// </summary>
public sealed class DogStatsdExporter(Hosting.ServerOptions options, ILogger<DogStatsdExporter> log) : BackgroundService
{
    private readonly StatsdOptions _statsd = options.Metrics.Statsd ?? throw new InvalidOperationException("statsd is not configured");

    /// <summary>Below the usual 1500-byte MTU less IP and UDP headers, so no datagram is fragmented.</summary>
    private const int MaxDatagramBytes = 1432;

    /// <summary>Histogram samples kept per series per flush; more are represented by the sample rate.</summary>
    private const int MaxSamples = 500;

    private readonly object _gate = new();
    private Dictionary<string, Series> _series = new();

    private sealed class Series(string line, char kind)
    {
        public string Line { get; } = line;
        public char Kind { get; } = kind;
        public double Sum;
        public long Seen;
        public readonly List<double> Samples = new();
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CircleMeter.Name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        CircleMeter.PublishZeroes();

        using var udp = new UdpClient();
        using var timer = new PeriodicTimer(options.Metrics.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                listener.RecordObservableInstruments();
                await SendAsync(udp, Drain(), stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var kind = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> => 'c',
            Histogram<double> or Histogram<long> or Histogram<int> => instrument.Unit == "ms" ? 't' : 'h',
            _ => 'g',
        };
        var key = SeriesKey(CircleMeter.FullName(instrument), tags);
        lock (_gate)
        {
            if (!_series.TryGetValue(key, out var series)) _series[key] = series = new Series(key, kind);
            series.Seen++;
            if (kind == 'c') series.Sum += value;
            else if (kind == 'g') series.Sum = value;
            else if (series.Samples.Count < MaxSamples) series.Samples.Add(value);
        }
    }

    /// <summary><c>prefix.name</c> and its tags, global ones first: the part of a line before the value.</summary>
    private string SeriesKey(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var all = _statsd.Tags.Select(t => Tag(t.Key, t.Value)).ToList();
        foreach (var tag in tags) all.Add(Tag(tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""));
        return _statsd.Prefix + name + (all.Count > 0 ? "|#" + string.Join(",", all) : "");
    }

    /// <summary>
    /// <c>key:value</c>, with characters that would end a field ('|', ',', '#', '@', whitespace,
    /// and ':' in the key) made '_'; a value may hold ':' (DogStatsD splits at the first).
    /// </summary>
    private static string Tag(string key, string value) => $"{Clean(key, ':')}:{Clean(value)}";

    private static string Clean(string text, char alsoClean = '|') =>
        new(text.Select(c => c is '|' or ',' or '#' or '@' || c == alsoClean || char.IsWhiteSpace(c) ? '_' : c).ToArray());

    private List<string> Drain()
    {
        Dictionary<string, Series> taken;
        lock (_gate)
        {
            taken = _series;
            _series = new Dictionary<string, Series>();
        }
        var lines = new List<string>();
        foreach (var series in taken.Values)
        {
            var split = series.Line.IndexOf("|#", StringComparison.Ordinal);
            var name = split < 0 ? series.Line : series.Line[..split];
            var tags = split < 0 ? "" : series.Line[split..];
            switch (series.Kind)
            {
                case 'c' or 'g':
                    lines.Add($"{name}:{Number(series.Sum)}|{series.Kind}{tags}");
                    break;
                default:
                    var type = series.Kind == 't' ? "ms" : "h";
                    var rate = series.Seen > series.Samples.Count ? $"|@{Number((double)series.Samples.Count / series.Seen)}" : "";
                    lines.AddRange(series.Samples.Select(v => $"{name}:{Number(v)}|{type}{rate}{tags}"));
                    break;
            }
        }
        return lines;
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private async Task SendAsync(UdpClient udp, List<string> lines, CancellationToken ct)
    {
        var packet = new StringBuilder();
        foreach (var line in lines)
        {
            if (packet.Length > 0 && Encoding.UTF8.GetByteCount(packet.ToString()) + 1 + Encoding.UTF8.GetByteCount(line) > MaxDatagramBytes)
                await SendPacketAsync(udp, packet, ct);
            if (packet.Length > 0) packet.Append('\n');
            packet.Append(line);
        }
        if (packet.Length > 0) await SendPacketAsync(udp, packet, ct);
    }

    private async Task SendPacketAsync(UdpClient udp, StringBuilder packet, CancellationToken ct)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(packet.ToString());
            await udp.SendAsync(bytes, _statsd.Host, _statsd.Port, ct);
        }
        catch (SocketException ex)
        {
            log.LogDebug("statsd datagram to {Host}:{Port} not sent: {Reason}", _statsd.Host, _statsd.Port, ex.Message);
        }
        packet.Clear();
    }
}
