using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>An executor with the settings it gives a job unless the job sets its own.</summary>
internal sealed record ExecutorSettings(
    Executor Executor,
    string? ResourceClass = null,
    string? Shell = null,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// Reads where a job runs: its own <c>docker:</c>, <c>machine:</c> or <c>macos:</c>, or an
/// <c>executor:</c> naming an entry of the top-level <c>executors:</c> (2.1) or an orb's executor.
/// </summary>
internal sealed class ExecutorReader(NodeReader nodes, EnvironmentReader environments)
{
    private static readonly string[] OwnKinds = ["docker", "machine", "macos"];
    private const string ReferenceKey = "executor";

    private readonly Dictionary<string, ExecutorSettings?> definitions = new(StringComparer.Ordinal);

    /// <summary>Reads the top-level <c>executors:</c> once, so a broken one is reported once at its definition.</summary>
    public void ReadDefinitions(YamlNode? executors)
    {
        if (NodeReader.IsNull(executors)) return;
        var map = nodes.Map(executors!, "executors");
        if (map is null) return;
        foreach (var (key, value) in map.Entries)
        {
            var name = key.Value ?? "";
            var body = nodes.Map(value, $"executor '{name}'");
            definitions[name] = body is null ? null : ReadSettings(body, $"executor '{name}'", key.Start, allowReference: false);
        }
    }

    public ExecutorSettings? ReadForJob(MergedMapping job, string name, Mark at) =>
        ReadSettings(job, $"job '{name}'", at, allowReference: true);

    private ExecutorSettings? ReadSettings(MergedMapping map, string owner, Mark at, bool allowReference)
    {
        var kinds = OwnKinds.Append(allowReference ? ReferenceKey : null).OfType<string>().Where(map.Contains).ToList();
        if (kinds.Count == 0)
        {
            var choices = allowReference ? "docker, machine, macos or executor" : "docker, machine or macos";
            nodes.Diagnostics.Error(at, $"{owner} has no executor: give it {choices}");
            return null;
        }
        if (kinds.Count > 1)
        {
            nodes.Diagnostics.Error(map.KeyMark(kinds[1]), $"{owner} has more than one executor ({string.Join(", ", kinds)}); keep one");
            return null;
        }

        var node = map[kinds[0]]!;
        if (kinds[0] == ReferenceKey) return ResolveReference(node, owner);

        Executor? executor = kinds[0] switch
        {
            "docker" => ReadDocker(node, owner),
            "machine" => ReadMachine(node, owner),
            _ => ReadMacos(node, owner),
        };
        return executor is null ? null : new ExecutorSettings(
            executor,
            nodes.OptionalText(map, "resource_class", $"the resource_class of {owner}"),
            nodes.OptionalText(map, "shell", $"the shell of {owner}"),
            nodes.OptionalText(map, "working_directory", $"the working_directory of {owner}"),
            map["environment"] is { } environment ? environments.Read(environment, owner) : null);
    }

    private ExecutorSettings? ResolveReference(YamlNode node, string owner)
    {
        // `executor: name` or `executor: {name: ..., <parameters>}`; parameters are not applied yet.
        // `executor: name`, `executor: {name: ..., <arguments>}` or `executor: {name: {<arguments>}}`.
        var map = node is YamlMappingNode ? nodes.Map(node, $"the executor of {owner}") : null;
        var nameNode = node is not YamlMappingNode ? node
            : map?["name"] ?? (map is { Entries.Count: 1 } && map.Entries[0].Value is YamlMappingNode ? map.Entries[0].Key : null);
        if (NodeReader.IsNull(nameNode))
        {
            nodes.Diagnostics.Error(node.Start, $"the executor of {owner} needs a name");
            return null;
        }
        var name = nodes.Text(nameNode!, $"the executor name of {owner}");
        if (name is null) return null;
        // An orb's executor (orb/name) comes with the orb, which is expanded later.
        if (name.Contains('/')) return new ExecutorSettings(new OrbExecutor(name));
        if (name.Contains("<<"))
        {
            nodes.Diagnostics.Error(nameNode!.Start, $"{owner} takes its executor from a parameter ({name}); parameters are not applied yet");
            return null;
        }
        if (definitions.TryGetValue(name, out var settings)) return settings;
        nodes.Diagnostics.Error(nameNode!.Start, $"{owner} uses executor '{name}', which is not defined under executors:");
        return null;
    }

    private DockerExecutor? ReadDocker(YamlNode node, string owner)
    {
        var list = nodes.List(node, $"the docker images of {owner}");
        if (list is null) return null;
        if (list.Children.Count == 0)
        {
            nodes.Diagnostics.Error(node.Start, $"the docker executor of {owner} needs at least one image");
            return null;
        }
        var images = list.Children.Select(image => ReadImage(image, owner)).ToList();
        return images.Any(image => image is null) ? null : new DockerExecutor(images.Cast<DockerImage>().ToList());
    }

    private DockerImage? ReadImage(YamlNode node, string owner)
    {
        var map = nodes.Map(node, $"each docker image of {owner} (with an image: key)");
        if (map is null) return null;
        var image = nodes.OptionalText(map, "image", "a docker image");
        if (image is null)
        {
            nodes.Diagnostics.Error(node.Start, $"a docker image of {owner} needs an image: key");
            return null;
        }
        return new DockerImage(
            image,
            Name: nodes.OptionalText(map, "name", "a docker image's name"),
            Entrypoint: NodeReader.IsNull(map["entrypoint"]) ? null : nodes.TextOrList(map["entrypoint"]!, "a docker image's entrypoint"),
            Command: NodeReader.IsNull(map["command"]) ? null : nodes.TextOrList(map["command"]!, "a docker image's command"),
            User: nodes.OptionalText(map, "user", "a docker image's user"),
            Environment: map["environment"] is { } environment ? environments.Read(environment, $"docker image {image}") : null,
            Auth: NodeReader.IsNull(map["auth"]) ? null : ReadAuth(map["auth"]!, image));
    }

    private DockerAuth? ReadAuth(YamlNode node, string image)
    {
        var map = nodes.Map(node, $"the auth of docker image {image}");
        if (map is null) return null;
        var username = nodes.OptionalText(map, "username", "an auth's username");
        var password = nodes.OptionalText(map, "password", "an auth's password");
        if (username is not null && password is not null) return new DockerAuth(username, password);
        nodes.Diagnostics.Error(node.Start, $"the auth of docker image {image} needs username: and password:");
        return null;
    }

    private MachineExecutor? ReadMachine(YamlNode node, string owner)
    {
        if (node is YamlScalarNode)
        {
            var enabled = nodes.Bool(node, $"the machine executor of {owner} (true, or a map with image:)");
            if (enabled == false) nodes.Diagnostics.Error(node.Start, $"machine: false does not choose an executor for {owner}");
            return enabled == true ? new MachineExecutor() : null;
        }
        var map = nodes.Map(node, $"the machine executor of {owner}");
        return map is null ? null : new MachineExecutor(nodes.OptionalText(map, "image", "a machine image"));
    }

    private MacosExecutor? ReadMacos(YamlNode node, string owner)
    {
        var map = nodes.Map(node, $"the macos executor of {owner}");
        return map is null ? null : new MacosExecutor(nodes.OptionalText(map, "xcode", "a macos xcode version"));
    }
}
