using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// Reads an <c>environment:</c> value in the three forms real configs use: a map, a list of
/// <c>KEY=VALUE</c> strings, or a list of single-key maps. Values keep the text as written.
/// </summary>
internal sealed class EnvironmentReader(NodeReader nodes)
{
    public IReadOnlyDictionary<string, string>? Read(YamlNode node, string owner)
    {
        if (NodeReader.IsNull(node)) return null;
        var what = $"the environment of {owner}";
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case YamlMappingNode:
                AddAll(nodes.Map(node, what), variables, what);
                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children) AddListItem(item, variables, what);
                break;
            default:
                nodes.Diagnostics.Error(node.Start, $"{what} must be a map of names to values, or a list of NAME=value entries");
                return null;
        }
        return variables;
    }

    private void AddListItem(YamlNode item, Dictionary<string, string> variables, string what)
    {
        if (item is YamlMappingNode)
        {
            AddAll(nodes.Map(item, what), variables, what);
            return;
        }
        var text = nodes.Text(item, $"each entry of {what}");
        if (text is null) return;
        var equals = text.IndexOf('=');
        if (equals <= 0)
        {
            nodes.Diagnostics.Error(item.Start, $"'{text}' in {what} must have the form NAME=value");
            return;
        }
        variables[text[..equals]] = text[(equals + 1)..];
    }

    private void AddAll(MergedMapping? map, Dictionary<string, string> variables, string what)
    {
        if (map is null) return;
        foreach (var (key, value) in map.Entries)
        {
            // An empty value is an empty variable, as CircleCI exports it.
            var text = NodeReader.IsNull(value) ? "" : nodes.Text(value, $"the value of {key.Value} in {what}");
            if (text is not null) variables[key.Value ?? ""] = text;
        }
    }
}
