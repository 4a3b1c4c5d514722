using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// A YAML mapping as CircleCI sees it: merge keys (<c>&lt;&lt;: *x</c>, <c>&lt;&lt;: [*a, *b]</c>)
/// are expanded, explicit keys override merged ones, and among merged mappings the earlier wins,
/// as the YAML 1.1 merge-key spec says.
/// </summary>
internal sealed class MergedMapping
{
    private const string MergeKey = "<<";

    private readonly List<KeyValuePair<YamlScalarNode, YamlNode>> entries = [];
    private readonly Dictionary<string, YamlNode> byKey = new(StringComparer.Ordinal);

    private MergedMapping(YamlMappingNode node) => Start = node.Start;

    public Mark Start { get; }

    /// <summary>Entries in file order, explicit keys first, then keys that only came from merges.</summary>
    public IReadOnlyList<KeyValuePair<YamlScalarNode, YamlNode>> Entries => entries;

    public YamlNode? this[string key] => byKey.GetValueOrDefault(key);

    public bool Contains(string key) => byKey.ContainsKey(key);

    /// <summary>The key node as written, for errors about an entry; falls back to the mapping itself.</summary>
    public Mark KeyMark(string key) =>
        entries.FirstOrDefault(e => e.Key.Value == key).Key?.Start ?? Start;

    public static MergedMapping Of(YamlMappingNode node, ConfigDiagnostics diagnostics)
    {
        var mapping = new MergedMapping(node);
        var merged = new List<KeyValuePair<YamlScalarNode, YamlNode>>();
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode scalarKey)
            {
                diagnostics.Error(key.Start, "a key must be a plain value, not a list or a map");
                continue;
            }
            // A quoted "<<" is an ordinary key; only the plain one merges.
            if (scalarKey.Value == MergeKey && scalarKey.Style == YamlDotNet.Core.ScalarStyle.Plain)
                merged.AddRange(MergedEntries(value, diagnostics));
            else
                mapping.Add(scalarKey, value);
        }
        foreach (var entry in merged) mapping.Add(entry.Key, entry.Value);
        return mapping;
    }

    private void Add(YamlScalarNode key, YamlNode value)
    {
        var name = key.Value ?? "";
        if (!byKey.TryAdd(name, value)) return;
        entries.Add(new(key, value));
    }

    private static IEnumerable<KeyValuePair<YamlScalarNode, YamlNode>> MergedEntries(YamlNode value, ConfigDiagnostics diagnostics)
    {
        switch (value)
        {
            case YamlMappingNode source:
                return Of(source, diagnostics).Entries;
            case YamlSequenceNode sources when sources.Children.All(s => s is YamlMappingNode):
                return sources.Children.SelectMany(s => Of((YamlMappingNode)s, diagnostics).Entries);
            default:
                diagnostics.Error(value.Start, "a merge key (<<) takes a map or a list of maps, usually aliases like *defaults");
                return [];
        }
    }
}
