using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>Reads a job's <c>steps:</c> into a record per built-in step; a step it does not know is kept as unsupported.</summary>
internal sealed class StepReader(NodeReader nodes, EnvironmentReader environments)
{
    public IReadOnlyList<Step>? ReadSteps(YamlNode node, string job)
    {
        var list = nodes.List(node, $"the steps of job '{job}'");
        if (list is null) return null;
        return list.Children.Select(step => Read(step, job)).OfType<Step>().ToList();
    }

    private Step? Read(YamlNode node, string job)
    {
        if (node is YamlScalarNode)
        {
            var type = nodes.Text(node, "a step");
            return type switch
            {
                null => null,
                "checkout" => new CheckoutStep(),
                "add_ssh_keys" => new AddSshKeysStep(),
                "setup_remote_docker" => new SetupRemoteDockerStep(),
                "run" => Error(node, "a run step needs a command: write '- run: <command>'"),
                _ => new UnsupportedStep(type),
            };
        }

        var map = nodes.Map(node, $"each step of job '{job}'");
        if (map is null) return null;
        if (map.Entries.Count != 1)
            return Error(node, "a step is a map with a single key, its type (e.g. run:); check the indentation of its settings");

        var (key, body) = map.Entries[0];
        return key.Value switch
        {
            "checkout" => ReadCheckout(key, body),
            "run" => ReadRun(body, job),
            "deploy" => ReadRun(body, job) is RunStep run ? new DeployStep(run) : null,
            "save_cache" => WithMap(body, "save_cache", map => Required(map, "key", "save_cache") is { } cacheKey && List(map, "paths", "save_cache", required: true) is { } paths
                ? new SaveCacheStep(cacheKey, paths, nodes.OptionalText(map, "name", "save_cache's name"),
                    NodeReader.IsNull(map["when"]) ? StepWhen.OnSuccess : ReadWhen(map["when"]!))
                : null),
            "restore_cache" => WithMap(body, "restore_cache", map =>
            {
                var keys = List(map, "keys", "restore_cache", required: false) ?? (nodes.OptionalText(map, "key", "restore_cache's key") is { } single ? [single] : null);
                if (keys is null) return Error(body, "restore_cache needs key: or keys:");
                return new RestoreCacheStep(keys, nodes.OptionalText(map, "name", "restore_cache's name"));
            }),
            "store_artifacts" => WithMap(body, "store_artifacts", map => Required(map, "path", "store_artifacts") is { } path
                ? new StoreArtifactsStep(path, nodes.OptionalText(map, "destination", "store_artifacts' destination")) : null),
            "store_test_results" => WithMap(body, "store_test_results", map => Required(map, "path", "store_test_results") is { } path
                ? new StoreTestResultsStep(path) : null),
            "persist_to_workspace" => WithMap(body, "persist_to_workspace", map => Required(map, "root", "persist_to_workspace") is { } root
                && List(map, "paths", "persist_to_workspace", required: true) is { } paths ? new PersistToWorkspaceStep(root, paths) : null),
            "attach_workspace" => WithMap(body, "attach_workspace", map => Required(map, "at", "attach_workspace") is { } at ? new AttachWorkspaceStep(at) : null),
            "add_ssh_keys" => NodeReader.IsNull(body) ? new AddSshKeysStep()
                : WithMap(body, "add_ssh_keys", map => new AddSshKeysStep(List(map, "fingerprints", "add_ssh_keys", required: false))),
            "setup_remote_docker" => NodeReader.IsNull(body) ? new SetupRemoteDockerStep()
                : WithMap(body, "setup_remote_docker", map => new SetupRemoteDockerStep(
                    nodes.OptionalText(map, "version", "setup_remote_docker's version"),
                    !NodeReader.IsNull(map["docker_layer_caching"]) && nodes.Bool(map["docker_layer_caching"]!, "docker_layer_caching") == true)),
            // Only a step of an orb missing from the registry (or an unknown 2.0 step) gets here; the agent reports and skips it.
            var type => new UnsupportedStep(type ?? ""),
        };
    }

    private static readonly string[] CheckoutMethods = ["full", "shallow", "blobless"];

    private Step? ReadCheckout(YamlScalarNode key, YamlNode body)
    {
        if (NodeReader.IsNull(body)) return new CheckoutStep();
        var map = nodes.Map(body, "a checkout step's settings");
        if (map is null) return null;
        var method = nodes.OptionalText(map, "method", "checkout's method");
        if (method is not null && !CheckoutMethods.Contains(method))
            return Error(key, $"Checkout method '{method}' is invalid; use {string.Join(", ", CheckoutMethods)}");
        if (!NodeReader.IsNull(map["depth"]) && method != "shallow")
            return Error(key, "Checkout depth can only be used with the shallow checkout method");
        return new CheckoutStep(nodes.OptionalText(map, "path", "checkout's path"));
    }

    private Step? ReadRun(YamlNode body, string job)
    {
        if (body is YamlScalarNode)
        {
            var command = NodeReader.IsNull(body) ? null : nodes.Text(body, "a run step's command");
            return command is null ? Error(body, "a run step needs a command") : new RunStep(command);
        }

        var map = nodes.Map(body, "a run step's settings");
        if (map is null) return null;
        if (NodeReader.IsNull(map["command"])) return Error(body, "a run step needs a command");
        var commandText = nodes.Text(map["command"]!, "a run step's command");
        if (commandText is null) return null;

        return new RunStep(
            commandText,
            Name: nodes.OptionalText(map, "name", "a run step's name"),
            Shell: nodes.OptionalText(map, "shell", "a run step's shell"),
            WorkingDirectory: nodes.OptionalText(map, "working_directory", "a run step's working_directory"),
            Environment: map["environment"] is { } environment ? environments.Read(environment, $"a run step of job '{job}'") : null,
            Background: !NodeReader.IsNull(map["background"]) && nodes.Bool(map["background"]!, "background") == true,
            NoOutputTimeout: nodes.OptionalText(map, "no_output_timeout", "no_output_timeout"),
            When: NodeReader.IsNull(map["when"]) ? StepWhen.OnSuccess : ReadWhen(map["when"]!));
    }

    private StepWhen ReadWhen(YamlNode node)
    {
        switch (nodes.Text(node, "a run step's when"))
        {
            case "on_success": return StepWhen.OnSuccess;
            case "always": return StepWhen.Always;
            case "on_fail": return StepWhen.OnFail;
            case { } other:
                nodes.Diagnostics.Error(node.Start, $"a run step's when is always, on_success or on_fail, not '{other}'");
                break;
        }
        return StepWhen.OnSuccess;
    }

    private Step? WithMap(YamlNode body, string type, Func<MergedMapping, Step?> read) =>
        nodes.Map(body, $"the settings of a {type} step") is { } map ? read(map) : null;

    private string? Required(MergedMapping map, string key, string type)
    {
        if (!NodeReader.IsNull(map[key])) return nodes.Text(map[key]!, $"{type}'s {key}");
        nodes.Diagnostics.Error(map.Start, $"a {type} step needs {key}:");
        return null;
    }

    private IReadOnlyList<string>? List(MergedMapping map, string key, string type, bool required)
    {
        if (!NodeReader.IsNull(map[key])) return nodes.TextOrList(map[key]!, $"{type}'s {key}");
        if (required) nodes.Diagnostics.Error(map.Start, $"a {type} step needs {key}:");
        return null;
    }

    private Step? Error(YamlNode node, string message)
    {
        nodes.Diagnostics.Error(node.Start, message);
        return null;
    }
}
