using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>Reads a job's <c>steps:</c>: checkout and run are understood, any other step is kept as unsupported.</summary>
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
            "checkout" => ReadCheckout(body),
            "run" => ReadRun(body, job),
            // 2.1 commands, orb commands and the other built-in steps are reported by the pipeline.
            var type => new UnsupportedStep(type ?? ""),
        };
    }

    private Step? ReadCheckout(YamlNode body)
    {
        if (NodeReader.IsNull(body)) return new CheckoutStep();
        var map = nodes.Map(body, "a checkout step's settings");
        return map is null ? null : new CheckoutStep(nodes.OptionalText(map, "path", "checkout's path"));
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

    private Step? Error(YamlNode node, string message)
    {
        nodes.Diagnostics.Error(node.Start, message);
        return null;
    }
}
