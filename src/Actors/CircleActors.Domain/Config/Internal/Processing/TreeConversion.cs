using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>Turns YAML nodes into a <see cref="Value"/> tree and back, keeping every node's place.</summary>
internal static class TreeConversion
{
    // Aliases are copied into the tree; a config that multiplies itself through aliases past this is refused.
    private const int MaxNodes = 2_000_000;

    public static Value? FromYaml(YamlNode root, ConfigDiagnostics diagnostics)
    {
        var budget = MaxNodes;
        var value = Convert(root, diagnostics, ref budget);
        if (budget < 0)
        {
            diagnostics.Error(root.Start, $"the configuration expands to more than {MaxNodes} values through its aliases");
            return null;
        }
        return value;
    }

    private static Value Convert(YamlNode node, ConfigDiagnostics diagnostics, ref int budget)
    {
        if (--budget < 0) return ScalarValue.Plain("", node.Start);
        switch (node)
        {
            case YamlScalarNode scalar:
                return new ScalarValue(scalar.Value ?? "", scalar.Style, scalar.Start);
            case YamlSequenceNode sequence:
                var items = new List<Value>(sequence.Children.Count);
                foreach (var child in sequence.Children) items.Add(Convert(child, diagnostics, ref budget));
                return new ListValue(items, sequence.Start);
            default:
                var mapping = MergedMapping.Of((YamlMappingNode)node, diagnostics);
                var entries = new List<KeyValuePair<ScalarValue, Value>>(mapping.Entries.Count);
                foreach (var (key, value) in mapping.Entries)
                {
                    var convertedKey = new ScalarValue(key.Value ?? "", key.Style, key.Start);
                    entries.Add(new(convertedKey, Convert(value, diagnostics, ref budget)));
                }
                return new MapValue(entries, mapping.Start);
        }
    }

    /// <summary>The tree as YAML nodes that carry the tree's places, so the readers report errors where the text is.</summary>
    public static YamlNode ToYaml(Value root)
    {
        var events = new List<ParsingEvent> { new StreamStart(Mark.Empty, Mark.Empty), new DocumentStart(Mark.Empty, Mark.Empty) };
        AddEvents(root, events);
        events.Add(new DocumentEnd(true, Mark.Empty, Mark.Empty));
        events.Add(new StreamEnd(Mark.Empty, Mark.Empty));
        var stream = new YamlStream();
        stream.Load(new ReplayParser(events));
        return stream.Documents[0].RootNode;
    }

    /// <summary>The tree as YAML text; the same tree always gives the same text.</summary>
    public static string ToText(Value root) => YamlWriter.Write(root);

    private static void AddEvents(Value value, List<ParsingEvent> events)
    {
        switch (value)
        {
            case ScalarValue scalar:
                events.Add(ScalarEvent(scalar));
                break;
            case ListValue list:
                events.Add(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block, list.At, list.At));
                foreach (var item in list.Items) AddEvents(item, events);
                events.Add(new SequenceEnd(list.At, list.At));
                break;
            case MapValue map:
                events.Add(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block, map.At, map.At));
                foreach (var (key, item) in map.Entries)
                {
                    events.Add(ScalarEvent(key));
                    AddEvents(item, events);
                }
                events.Add(new MappingEnd(map.At, map.At));
                break;
        }
    }

    private static Scalar ScalarEvent(ScalarValue scalar)
    {
        var plain = scalar.IsPlain;
        return new Scalar(AnchorName.Empty, TagName.Empty, scalar.Text, plain ? ScalarStyle.Plain : scalar.Style, plain, !plain, scalar.At, scalar.At);
    }

    private sealed class ReplayParser(IReadOnlyList<ParsingEvent> events) : IParser
    {
        private int index = -1;

        public ParsingEvent? Current => index >= 0 && index < events.Count ? events[index] : null;

        public bool MoveNext() => ++index < events.Count;
    }
}
