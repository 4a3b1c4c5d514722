using System.Text;

namespace CircleActors.Cli.Bench;

/// <summary>One benchmark's figures, written the same two ways by every benchmark: a console table and a docs/performance.md entry.</summary>
public static class BenchReport
{
    public static string Table(IEnumerable<(string Name, string Value)> figures) =>
        string.Join(Environment.NewLine, figures.Select(f => $"{f.Name,-58} {f.Value}"));

    /// <param name="title">What was measured, after the time in the entry's heading.</param>
    /// <param name="command">The command line that measured it, for whoever reruns it.</param>
    public static string Markdown(DateTimeOffset startedAt, string title, string command, IEnumerable<(string Name, string Value)> figures, MachineInfo machine)
    {
        var s = new StringBuilder();
        s.AppendLine($"#### {startedAt:yyyy-MM-dd HH:mm} UTC, {title}");
        s.AppendLine();
        s.AppendLine($"Machine: {machine}; load average {MachineInfo.LoadAverage() ?? "unknown"}. Command: `{command}`.");
        s.AppendLine();
        s.AppendLine("| Figure | Value |");
        s.AppendLine("|---|---|");
        foreach (var (name, value) in figures) s.AppendLine($"| {name} | {value} |");
        s.AppendLine();
        return s.ToString();
    }
}
