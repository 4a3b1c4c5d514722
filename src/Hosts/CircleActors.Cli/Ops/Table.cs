using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CircleActors.Cli.Ops;

/// <summary>Output the way Nomad prints it: aligned columns under a header, or key = value lines; JSON with <c>-json</c>.</summary>
public static class Table
{
    public static void Print(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, TextWriter? output = null)
    {
        output ??= Console.Out;
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => i < r.Count ? r[i].Length : 0)).ToList();
        foreach (var row in all)
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
    }

    /// <summary>Key = value lines, keys aligned, as <c>nomad node status ID</c> prints a node.</summary>
    public static void PrintFields(IEnumerable<(string Key, string Value)> fields, TextWriter? output = null)
    {
        output ??= Console.Out;
        var list = fields.ToList();
        var width = list.Max(f => f.Key.Length);
        foreach (var (key, value) in list) output.WriteLine($"{key.PadRight(width)} = {value}");
    }

    public static void PrintJson(JsonNode? json) => Console.WriteLine(json?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null");

    /// <summary>A JSON value as a cell: strings bare, numbers invariant, null as "-".</summary>
    public static string Cell(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue value when value.TryGetValue<string>(out var text) => text.Length == 0 ? "-" : text,
        JsonValue value when value.TryGetValue<double>(out var number) => number.ToString("0.##", CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        _ => node.ToJsonString(),
    };
}
