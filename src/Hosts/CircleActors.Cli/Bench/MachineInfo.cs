using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace CircleActors.Cli.Bench;

/// <summary>What a benchmark figure was measured on, as written next to it in docs/performance.md.</summary>
public sealed partial record MachineInfo(int Processors, string? CpuModel, long? MemoryMb, string OperatingSystem, string Runtime)
{
    public static MachineInfo OfThisMachine() => new(
        Environment.ProcessorCount,
        ReadField("/proc/cpuinfo", CpuModelLine()),
        long.TryParse(ReadField("/proc/meminfo", MemTotalLine()), out var kb) ? kb / 1024 : null,
        ReadField("/etc/os-release", PrettyNameLine())?.Trim('"') ?? RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription);

    public override string ToString() =>
        $"{Processors} CPUs{(CpuModel is null ? "" : $" ({CpuModel})")}, {(MemoryMb is { } mb ? $"{mb / 1024.0:0.#} GiB" : "unknown")} memory, {OperatingSystem}, {Runtime}";

    /// <summary>The 1, 5 and 15 minute load averages: on a shared machine, what else was running.</summary>
    public static string? LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static string? ReadField(string path, Regex pattern)
    {
        try
        {
            var match = pattern.Match(File.ReadAllText(path));
            return match.Success ? match.Groups[1].Value.Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^model name\s*:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex CpuModelLine();

    [GeneratedRegex(@"^MemTotal:\s*(\d+) kB", RegexOptions.Multiline)]
    private static partial Regex MemTotalLine();

    [GeneratedRegex(@"^PRETTY_NAME=(.+)$", RegexOptions.Multiline)]
    private static partial Regex PrettyNameLine();
}
