using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Tests.Config;

/// <summary>A config's jobs and workflow entries as written, read independently of the engine, to check it against the corpus index.</summary>
internal sealed record WrittenConfig(IReadOnlyList<string> DefinedJobs, IReadOnlyList<IReadOnlyList<string>> Workflows)
{
    public static WrittenConfig Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var top = (YamlMappingNode)stream.Documents[0].RootNode;
        var jobs = Child(top, "jobs") is YamlMappingNode jobMap ? jobMap.Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToList() : [];
        var workflows = new List<IReadOnlyList<string>>();
        if (Child(top, "workflows") is YamlMappingNode workflowMap)
        {
            foreach (var (key, value) in workflowMap.Children)
            {
                if (((YamlScalarNode)key).Value == "version" || value is not YamlMappingNode workflow) continue;
                var entries = Child(workflow, "jobs") is YamlSequenceNode list
                    ? list.Children.Select(entry => entry is YamlScalarNode scalar ? scalar.Value! : ((YamlScalarNode)((YamlMappingNode)entry).Children.Keys.First()).Value!).ToList()
                    : [];
                workflows.Add(entries);
            }
        }
        return new WrittenConfig(jobs, workflows);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}
