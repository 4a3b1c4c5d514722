using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// Reads typed values out of YAML nodes the way CircleCI does (YAML 1.1 scalars), reporting a
/// node of the wrong shape as an error at that node and returning null.
/// </summary>
internal sealed class NodeReader(ConfigDiagnostics diagnostics)
{
    // YAML 1.1 booleans, as CircleCI's YAML 1.1 parser reads them; compared ignoring case.
    private static readonly HashSet<string> TrueWords = new(StringComparer.OrdinalIgnoreCase) { "true", "yes", "on" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.OrdinalIgnoreCase) { "false", "no", "off" };
    private static readonly HashSet<string> NullWords = ["", "~", "null", "Null", "NULL"];

    public ConfigDiagnostics Diagnostics => diagnostics;

    /// <summary>A plain empty value, <c>~</c> or <c>null</c>: the key is there but says nothing.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && NullWords.Contains(scalar.Value ?? "");

    public MergedMapping? Map(YamlNode node, string what)
    {
        if (node is YamlMappingNode mapping) return MergedMapping.Of(mapping, diagnostics);
        diagnostics.Error(node.Start, $"{what} must be a map");
        return null;
    }

    public YamlSequenceNode? List(YamlNode node, string what)
    {
        if (node is YamlSequenceNode sequence) return sequence;
        diagnostics.Error(node.Start, $"{what} must be a list");
        return null;
    }

    /// <summary>A scalar's text as written, so <c>2.10</c> stays "2.10" and <c>yes</c> stays "yes".</summary>
    public string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar) return scalar.Value ?? "";
        diagnostics.Error(node.Start, $"{what} must be a single value, not a list or a map");
        return null;
    }

    public bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } word })
        {
            if (TrueWords.Contains(word)) return true;
            if (FalseWords.Contains(word)) return false;
        }
        diagnostics.Error(node.Start, $"{what} must be true or false");
        return null;
    }

    public int? PositiveInt(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } text } && int.TryParse(text, out var number) && number > 0) return number;
        diagnostics.Error(node.Start, $"{what} must be a whole number of at least 1");
        return null;
    }

    /// <summary>A value CircleCI accepts either as one string or as a list of strings.</summary>
    public IReadOnlyList<string>? TextOrList(YamlNode node, string what)
    {
        if (node is YamlScalarNode) return Text(node, what) is { } single ? [single] : null;
        var sequence = List(node, $"{what} (a value or a list of values)");
        if (sequence is null) return null;
        var items = sequence.Children.Select(item => Text(item, $"each item of {what}")).ToList();
        return items.Any(item => item is null) ? null : items.Cast<string>().ToList();
    }

    public string? OptionalText(MergedMapping map, string key, string what) =>
        IsNull(map[key]) ? null : Text(map[key]!, what);
}
