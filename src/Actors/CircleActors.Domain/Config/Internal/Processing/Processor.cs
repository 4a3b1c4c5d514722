using Cronos;
using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>How a workflow entry of the processed config was written: the job it invokes and the matrix it came from.</summary>
internal sealed record Invocation(string WrittenJob, string? MatrixAlias);

/// <summary>A processed config: plain jobs and workflows, and for each workflow entry (by workflow and name) how it was written.</summary>
/// <param name="SkippedWorkflows">Workflows whose when: or unless: condition keeps them from running.</param>
/// <param name="FailedJobs">Invocations whose job could not be expanded (already reported), so no one reports them as undefined.</param>
internal sealed record Processed(
    MapValue Tree, IReadOnlyDictionary<(string Workflow, string Name), Invocation> Invocations, IReadOnlySet<string> SkippedWorkflows, IReadOnlySet<string> FailedJobs);

/// <summary>
/// Expands a 2.1 config into plain jobs and workflows, as <c>circleci config process</c> does:
/// pipeline parameters and values, orbs, commands, executors, job parameters, pre- and post-steps,
/// step conditions and matrices. Problems are reported at their place and processing goes on,
/// so one run reports as many as it can.
/// </summary>
internal sealed class Processor(ConfigDiagnostics diagnostics, ConfigOptions options)
{
    // Commands that invoke commands deeper than this are taken to invoke themselves.
    private const int MaxDepth = 32;
    private const int MaxMatrixJobs = 1000;

    public static readonly HashSet<string> BuiltInSteps = new(StringComparer.Ordinal)
    {
        "run", "checkout", "save_cache", "restore_cache", "store_artifacts", "store_test_results",
        "persist_to_workspace", "attach_workspace", "add_ssh_keys", "setup_remote_docker", "deploy",
    };

    // Keys of a workflow entry that are not job parameters.
    private static readonly HashSet<string> EntryKeys = new(StringComparer.Ordinal)
    {
        "name", "requires", "context", "filters", "type", "matrix", "pre-steps", "post-steps",
        "serial-group", "override-with", "max_auto_reruns", "auto_rerun_delay",
    };

    private static readonly string[] ExecutorKinds = ["docker", "machine", "macos"];

    private readonly Scope root = new("the config");
    // Orbs of the config that are not in the registry stay in the processed config, with what uses them.
    private readonly List<KeyValuePair<ScalarValue, Value>> missingOrbs = [];
    private readonly HashSet<string> skippedWorkflows = new(StringComparer.Ordinal);
    private readonly HashSet<string> failedJobs = new(StringComparer.Ordinal);

    public Processed Process(MapValue top)
    {
        var pipeline = SubstitutePipeline(top);
        ReadScope(pipeline, root, depth: 0);

        var jobs = new List<KeyValuePair<ScalarValue, Value>>();
        var jobIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        void PutJob(ScalarValue key, Value body)
        {
            if (jobIndex.TryGetValue(key.Text, out var index)) jobs[index] = new(jobs[index].Key, body);
            else
            {
                jobIndex[key.Text] = jobs.Count;
                jobs.Add(new(key, body));
            }
        }

        foreach (var definition in root.Jobs.Values)
        {
            var declarations = Parameters.Declare(definition.Body["parameters"], $"job '{definition.Name}'", diagnostics);
            // A job with a required parameter only exists as the invocations that pass it.
            if (declarations.Any(declaration => declaration.IsRequired)) continue;
            PutJob(definition.Key, ExpandJob(definition, [], definition.Key.At, null, null) ?? definition.Body);
        }

        var invocations = new Dictionary<(string, string), Invocation>();
        Value? workflows = null;
        if (pipeline["workflows"] is MapValue workflowsMap)
        {
            var processed = new List<KeyValuePair<ScalarValue, Value>>();
            foreach (var (key, value) in workflowsMap.Entries)
            {
                if (key.Text == "version") continue;
                processed.Add(new(key, value is MapValue workflow ? ProcessWorkflow(key.Text, workflow, PutJob, invocations) : value));
            }
            workflows = new MapValue(processed, workflowsMap.At);
        }
        else if (pipeline["workflows"] is { } other) workflows = other;

        foreach (var (alias, (_, key)) in root.Orbs.Where(orb => !root.UsedOrbs.Contains(orb.Key)).ToList())
            diagnostics.Warning(key.At, $"orb '{alias}' is imported but nothing uses it");

        var entries = new List<KeyValuePair<ScalarValue, Value>> { new(ScalarValue.Plain("version", top.At), pipeline["version"]!) };
        if (pipeline["setup"] is { } setup) entries.Add(new(ScalarValue.Plain("setup", top.KeyMark("setup")), setup));
        if (missingOrbs.Count > 0) entries.Add(new(ScalarValue.Plain("orbs", top.KeyMark("orbs")), new MapValue(missingOrbs, top["orbs"]!.At)));
        entries.Add(new(ScalarValue.Plain("jobs", top.KeyMark("jobs")), new MapValue(jobs, pipeline["jobs"]?.At ?? top.At)));
        if (workflows is not null) entries.Add(new(ScalarValue.Plain("workflows", top.KeyMark("workflows")), workflows));
        return new Processed(new MapValue(entries, top.At), invocations, skippedWorkflows, failedJobs);
    }

    private MapValue SubstitutePipeline(MapValue top)
    {
        var (declarations, bound) = BindPipelineParameters(top, options.Parameters, diagnostics);
        var declared = declarations.Select(declaration => declaration.Name).ToHashSet(StringComparer.Ordinal);
        var values = (options.Values ?? PipelineValues.None).ByName();

        Value? Lookup(string name)
        {
            if (name.StartsWith("pipeline.parameters.", StringComparison.Ordinal))
            {
                var parameter = name["pipeline.parameters.".Length..];
                return bound.TryGetValue(parameter, out var value) ? value
                    // Declared but wrongly given: already reported; keep the reference so nothing else fails on it.
                    : declared.Contains(parameter) ? ScalarValue.Plain($"<< {name} >>", top.At) : null;
            }
            // CircleCI has many more pipeline values (pipeline.event.*, pipeline.config.*, ...); one not known here stays as written.
            return values.TryGetValue(name, out var known) && known is not null ? TextValue(known, top.At) : ScalarValue.Plain($"<< {name} >>", top.At);
        }

        return (MapValue)Parameters.Substitute(top.Without("parameters"), "pipeline.", Lookup, (name, at) =>
            diagnostics.Error(at, $"<< {name} >> names a pipeline parameter that is not declared under parameters:"));
    }

    /// <summary>The config's pipeline parameters bound to the values given; problems go to <paramref name="diagnostics"/>.</summary>
    public static (IReadOnlyList<ParameterDeclaration> Declarations, IReadOnlyDictionary<string, Value> Bound) BindPipelineParameters(
        MapValue top, IReadOnlyDictionary<string, object>? parameters, ConfigDiagnostics diagnostics)
    {
        var declarations = Parameters.Declare(top["parameters"], "the pipeline", diagnostics);
        var given = (parameters ?? new Dictionary<string, object>())
            .Select(pair => new KeyValuePair<ScalarValue, Value>(ScalarValue.Plain(pair.Key, top.At), ParameterValue(pair.Value, top.At)));
        return (declarations, Parameters.Bind(declarations, given, "the pipeline", top.At, diagnostics) ?? new Dictionary<string, Value>());
    }

    private static ScalarValue ParameterValue(object value, Mark at) => value switch
    {
        bool flag => ScalarValue.Plain(flag ? "true" : "false", at),
        int or long or short => ScalarValue.Plain(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!, at),
        _ => TextValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "", at),
    };

    /// <summary>Text that must stay text: quoted when written plain would read as a boolean, number or null.</summary>
    private static ScalarValue TextValue(string text, Mark at)
    {
        var plain = ScalarValue.Plain(text, at);
        var ambiguous = plain.IsNull || Parameters.AsBool(plain) is not null || double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _)
            || text.Contains(": ") || text.StartsWith(' ') || text.EndsWith(' ');
        return ambiguous ? new ScalarValue(text, ScalarStyle.DoubleQuoted, at) : plain;
    }

    private void ReadScope(MapValue body, Scope scope, int depth)
    {
        ReadDefinitions(body["commands"], scope, scope.Commands, "command");
        ReadDefinitions(body["executors"], scope, scope.Executors, "executor");
        ReadDefinitions(body["jobs"], scope, scope.Jobs, "job");
        if (body["orbs"] is not MapValue orbs)
        {
            if (!body["orbs"].IsNullValue()) diagnostics.Error(body["orbs"]!.At, "orbs must be a map of names to orb references (namespace/name@version) or inline orbs");
            return;
        }
        foreach (var (key, value) in orbs.Entries)
        {
            if (depth >= 4)
            {
                diagnostics.Error(key.At, $"orb '{key.Text}' is nested more than 4 orbs deep");
                continue;
            }
            var orbBody = value switch
            {
                MapValue inline => inline,
                ScalarValue { IsNull: false } reference => LoadOrb(reference, key.Text, scope),
                _ => Invalid(value.At, $"orb '{key.Text}' must be an orb reference (namespace/name@version) or an inline orb"),
            };
            if (orbBody is null) continue;
            var orb = new Scope($"orb '{key.Text}'");
            ReadScope(orbBody, orb, depth + 1);
            scope.Orbs[key.Text] = (orb, key);
        }
    }

    private MapValue? Invalid(Mark at, string message)
    {
        diagnostics.Error(at, message);
        return null;
    }

    private MapValue? LoadOrb(ScalarValue reference, string alias, Scope scope)
    {
        var source = (options.Orbs ?? EmptyOrbRegistry.Instance).Find(reference.Text);
        if (source is null)
        {
            // CircleCI would fetch it; here the operator imports it. Until then what it brings stays as written.
            scope.MissingOrbs.Add(alias);
            if (scope == root) missingOrbs.Add(new(ScalarValue.Plain(alias, reference.At), reference));
            diagnostics.Warning(reference.At, $"orb {reference.Text} is not in the orb registry, so what it brings is left as written; import it with: circleactors orb import FILE --name {reference.Text}");
            return null;
        }
        var orbDiagnostics = new ConfigDiagnostics(reference.Text);
        var tree = YamlLoader.Load(source, orbDiagnostics) is { } node ? TreeConversion.FromYaml(node, orbDiagnostics) : null;
        foreach (var error in orbDiagnostics.Errors) diagnostics.Error(reference.At, $"orb {reference.Text} cannot be read: {error}");
        if (orbDiagnostics.HasErrors) return null;
        return tree as MapValue ?? Invalid(reference.At, $"orb {reference.Text} is not a map of commands, executors and jobs");
    }

    private void ReadDefinitions(Value? node, Scope scope, Dictionary<string, Definition> into, string kind)
    {
        if (node is not MapValue map)
        {
            if (!node.IsNullValue()) diagnostics.Error(node!.At, $"{kind}s must be a map of names to {kind} definitions");
            return;
        }
        foreach (var (key, value) in map.Entries)
        {
            if (value is MapValue body)
            {
                into[key.Text] = new Definition(key.Text, key, body, scope);
                if (kind != "command" && scope == root) CheckExecutorKeys(body, $"{kind} '{key.Text}'");
            }
            // A job that is not a map is reported by the job reader, at its definition.
            else if (kind != "job") diagnostics.Error(value.At, $"{kind} '{key.Text}' must be a map");
        }
    }

    private void CheckExecutorKeys(MapValue body, string owner)
    {
        if (body["machine"] is not MapValue machine) return;
        if (machine.Contains("resource_class") && body.Contains("resource_class"))
            diagnostics.Error(machine.KeyMark("resource_class"), $"{owner} sets resource_class both under machine: and beside it; keep the one beside machine:");
        if (machine["image"].TextOrNull() is { } image && !image.StartsWith("windows", StringComparison.OrdinalIgnoreCase)
            && body["resource_class"] is ScalarValue { Text: var resourceClass } at && resourceClass.StartsWith("windows.", StringComparison.OrdinalIgnoreCase))
            diagnostics.Error(at.At, $"{owner} runs the Linux machine image {image} on the Windows resource_class {resourceClass}; use a windows image or a Linux resource class");
    }

    private Value SubstituteParameters(Value value, Dictionary<string, Value> bound, string owner) =>
        Parameters.Substitute(value, "parameters.", name => bound.GetValueOrDefault(name["parameters.".Length..]), (name, at) =>
            diagnostics.Error(at, $"{owner} uses << {name} >>, but declares no such parameter"));

    private MapValue? ExpandJob(Definition definition, IReadOnlyList<KeyValuePair<ScalarValue, Value>> arguments, Mark at, Value? preSteps, Value? postSteps)
    {
        var owner = definition.Scope == root ? $"job '{definition.Name}'" : $"job '{definition.Name}' of {definition.Scope.Label}";
        var declarations = Parameters.Declare(definition.Body["parameters"], owner, diagnostics);
        var bound = Parameters.Bind(declarations, arguments, owner, at, diagnostics);
        if (bound is null) return null;
        var body = (MapValue)SubstituteParameters(definition.Body.Without("parameters", "description"), bound, owner);
        body = ApplyExecutor(body, definition.Scope, owner);
        if (body.Contains("steps") || preSteps is not null || postSteps is not null)
        {
            // Each step resolves where it was written: pre- and post-steps in the config, the job's own in its orb (if any).
            var steps = new List<Value>();
            ExpandSteps(preSteps, root, steps, 0, owner);
            ExpandSteps(body["steps"], definition.Scope, steps, 0, owner);
            ExpandSteps(postSteps, root, steps, 0, owner);
            body = body.With("steps", new ListValue(steps, body["steps"]?.At ?? at));
        }
        return body;
    }

    private MapValue ApplyExecutor(MapValue job, Scope scope, string owner)
    {
        if (job["executor"] is not { } reference) return job;
        var (nameNode, arguments) = reference switch
        {
            MapValue map when map.Contains("name") => (map["name"], map.Without("name").Entries),
            // `executor: {orb/name: {arguments}}`, a form CircleCI accepts too.
            MapValue { Entries: [var only] } when only.Value is MapValue or ScalarValue { IsNull: true } =>
                (only.Key, only.Value is MapValue given ? given.Entries : []),
            MapValue map => (map["name"], map.Entries),
            _ => (reference, (IReadOnlyList<KeyValuePair<ScalarValue, Value>>)[]),
        };
        var name = nameNode.TextOrNull();
        if (name is null)
        {
            diagnostics.Error(reference.At, $"the executor of {owner} needs a name");
            return job;
        }
        if (scope.IsFromMissingOrb(name) || root.IsFromMissingOrb(name)) return job;
        // An executor argument passed into an orb's job is named as its caller sees it.
        var definition = scope.Resolve(name, s => s.Executors) ?? (scope == root ? null : root.Resolve(name, s => s.Executors));
        if (definition is null)
        {
            // Left in place, so the job reader reports it where it is written.
            diagnostics.Error(nameNode!.At, name.Contains('/') && !scope.ImportsOrbOf(name)
                ? $"{owner} uses executor '{name}', but no orb '{name[..name.IndexOf('/')]}' is declared under orbs:"
                : $"{owner} uses executor '{name}', which is not defined under executors:");
            return job;
        }
        var executorOwner = $"executor '{name}'";
        var bound = Parameters.Bind(Parameters.Declare(definition.Body["parameters"], executorOwner, diagnostics), arguments, executorOwner, nameNode!.At, diagnostics);
        if (bound is null) return job.Without("executor");
        var executor = (MapValue)SubstituteParameters(definition.Body.Without("parameters", "description"), bound, executorOwner);

        // The job's own keys win; environments add up, the job's value winning for a name in both.
        var result = job.Without("executor");
        var hasOwnKind = ExecutorKinds.Any(result.Contains);
        foreach (var (key, value) in executor.Entries)
        {
            if (ExecutorKinds.Contains(key.Text)) { if (!hasOwnKind) result = result.With(key.Text, value); }
            else if (key.Text == "environment") result = result.With("environment", MergeEnvironments(value, result["environment"]));
            else if (!result.Contains(key.Text)) result = result.With(key.Text, value);
        }
        return result;
    }

    private static Value MergeEnvironments(Value fromExecutor, Value? fromJob)
    {
        if (fromJob is null) return fromExecutor;
        var merged = new MapValue([], fromExecutor.At);
        foreach (var (key, value) in EnvironmentEntries(fromExecutor).Concat(EnvironmentEntries(fromJob))) merged = merged.With(key.Text, value);
        return merged;
    }

    private static IEnumerable<KeyValuePair<ScalarValue, Value>> EnvironmentEntries(Value environment) => environment switch
    {
        MapValue map => map.Entries,
        ListValue list => list.Items.SelectMany(item => item switch
        {
            MapValue map => map.Entries,
            ScalarValue { Text: var text } scalar when text.IndexOf('=') > 0 =>
                [new(ScalarValue.Plain(text[..text.IndexOf('=')], scalar.At), new ScalarValue(text[(text.IndexOf('=') + 1)..], ScalarStyle.DoubleQuoted, scalar.At))],
            _ => Enumerable.Empty<KeyValuePair<ScalarValue, Value>>(),
        }),
        _ => [],
    };

    private void ExpandSteps(Value? steps, Scope scope, List<Value> output, int depth, string owner)
    {
        if (steps.IsNullValue()) return;
        if (steps is not ListValue list)
        {
            diagnostics.Error(steps!.At, $"the steps of {owner} must be a list");
            return;
        }
        foreach (var item in list.Items)
        {
            switch (item)
            {
                case ScalarValue step when BuiltInSteps.Contains(step.Text):
                    output.Add(step);
                    break;
                case ScalarValue step:
                    Invoke(step, step, step.Text, [], scope, output, depth, owner);
                    break;
                case MapValue { Entries.Count: 1 } map:
                    var (key, body) = map.Entries[0];
                    switch (key.Text)
                    {
                        case "steps":
                            ExpandSteps(body, scope, output, depth + 1, owner);
                            break;
                        case "when" or "unless":
                            Conditional(key, body, scope, output, depth, owner);
                            break;
                        case var name when BuiltInSteps.Contains(name):
                            output.Add(map);
                            break;
                        default:
                            if (body is MapValue arguments) Invoke(map, key, key.Text, arguments.Entries, scope, output, depth, owner);
                            else if (body.IsNullValue()) Invoke(map, key, key.Text, [], scope, output, depth, owner);
                            else diagnostics.Error(body.At, $"the arguments of '{key.Text}' in {owner} must be a map of parameter names to values");
                            break;
                    }
                    break;
                default:
                    // A step of another shape is reported by the step reader.
                    output.Add(item);
                    break;
            }
        }
    }

    private void Conditional(ScalarValue key, Value body, Scope scope, List<Value> output, int depth, string owner)
    {
        if (body is not MapValue map || !map.Contains("condition"))
        {
            diagnostics.Error(body.At, $"a {key.Text} step in {owner} needs condition: and steps:");
            return;
        }
        var holds = LogicStatement.Evaluate(map["condition"]!, diagnostics, $"the condition of a {key.Text} step in {owner}");
        if (holds is null) return;
        if (holds == (key.Text == "when")) ExpandSteps(map["steps"], scope, output, depth + 1, owner);
    }

    private void Invoke(Value step, ScalarValue at, string name, IReadOnlyList<KeyValuePair<ScalarValue, Value>> arguments, Scope scope, List<Value> output, int depth, string owner)
    {
        if (scope.IsFromMissingOrb(name) || root.IsFromMissingOrb(name))
        {
            output.Add(step);
            return;
        }
        var command = scope.Resolve(name, s => s.Commands) ?? (scope == root ? null : root.Resolve(name, s => s.Commands));
        if (command is null)
        {
            var job = scope.Resolve(name, s => s.Jobs) is not null ? $"; '{name}' is a job, which a workflow runs, not a step" : "";
            diagnostics.Error(at.At, name.Contains('/') && !scope.ImportsOrbOf(name) && !root.ImportsOrbOf(name)
                ? $"{owner} uses '{name}', but no orb '{name[..name.IndexOf('/')]}' is declared under orbs:"
                : $"{owner} uses step '{name}', which is neither a built-in step (run, checkout, save_cache, ...) nor a command defined under commands: or in an orb{job}");
            return;
        }
        if (depth >= MaxDepth)
        {
            diagnostics.Error(at.At, $"command '{name}' invokes commands more than {MaxDepth} levels deep; does it invoke itself?");
            return;
        }
        var commandOwner = $"command '{name}'";
        var declarations = Parameters.Declare(command.Body["parameters"], commandOwner, diagnostics);
        var bound = Parameters.Bind(declarations, arguments, commandOwner, at.At, diagnostics);
        if (bound is null) return;
        if (command.Body["steps"] is not ListValue)
        {
            diagnostics.Error(command.Key.At, $"command '{command.Name}' needs steps:");
            return;
        }
        var body = (MapValue)SubstituteParameters(command.Body.Without("parameters", "description"), bound, commandOwner);
        ExpandSteps(body["steps"], command.Scope, output, depth + 1, commandOwner);
    }

    private MapValue ProcessWorkflow(string workflow, MapValue body, Action<ScalarValue, Value> putJob, Dictionary<(string, string), Invocation> invocations)
    {
        foreach (var condition in new[] { "when", "unless" })
        {
            if (body[condition] is not { } statement) continue;
            // A condition on a pipeline value not known here (left as << pipeline.x >>) reads as that text.
            var holds = LogicStatement.Evaluate(statement, diagnostics, $"the {condition} of workflow '{workflow}'");
            if (holds is { } truth && truth != (condition == "when")) skippedWorkflows.Add(workflow);
        }
        CheckTriggers(body["triggers"], workflow);
        if (body["jobs"] is not ListValue list) return body;

        // Matrices expand first, so requires can name an alias and duplicates can be numbered.
        var entries = new List<WorkflowEntryDraft>();
        var aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            var (key, settings) = item switch
            {
                ScalarValue scalar => (scalar, new MapValue([], scalar.At)),
                MapValue { Entries: [var only] } when only.Value.IsNullValue() => (only.Key, new MapValue([], only.Key.At)),
                MapValue { Entries: [var only] } when only.Value is MapValue given => (only.Key, given),
                _ => ((ScalarValue?)null, (MapValue?)null),
            };
            if (key is null || settings is null)
            {
                // The workflow reader reports an entry of another shape, as written.
                entries.Add(new WorkflowEntryDraft(ScalarValue.Plain("", item.At), "", "", new MapValue([], item.At), null, AsWritten: item));
                continue;
            }
            if (settings["matrix"] is { } matrix)
            {
                foreach (var (name, instance, alias) in ExpandMatrix(key, settings, matrix, workflow))
                {
                    entries.Add(new WorkflowEntryDraft(key, key.Text, name, instance, alias));
                    if (!aliases.TryGetValue(alias, out var members)) aliases[alias] = members = [];
                    members.Add(name);
                }
                continue;
            }
            entries.Add(new WorkflowEntryDraft(key, key.Text, settings["name"].TextOrNull() ?? key.Text, settings, null));
        }

        // Plain entries keep their written names (the workflow reader numbers them and explains a requires
        // that names a duplicate); entries with their own expansion need the numbered name as their job's key.
        var numbered = NumberDuplicates(entries);
        var names = numbered.Select(entry => entry.Name).ToHashSet(StringComparer.Ordinal);
        var output = new List<Value>(entries.Count);
        for (var index = 0; index < entries.Count; index++)
        {
            var (key, written, name, settings, alias, asWritten) = numbered[index];
            if (asWritten is not null)
            {
                output.Add(asWritten);
                continue;
            }
            if (settings["requires"] is ListValue requires)
                settings = settings.With("requires", ExpandAliases(requires, aliases, names));
            invocations[(workflow, name)] = new Invocation(written, alias);
            output.Add(Entry(key, written, name, entries[index].Name, settings, workflow, putJob));
        }
        return body.With("jobs", new ListValue(output, list.At));
    }

    private Value Entry(ScalarValue key, string written, string name, string unnumbered, MapValue settings, string workflow, Action<ScalarValue, Value> putJob)
    {
        var kept = new MapValue(settings.Entries.Where(entry => EntryKeys.Contains(entry.Key.Text) && entry.Key.Text is not ("matrix" or "pre-steps" or "post-steps")).ToList(), settings.At);
        Value EntryOf(string job, MapValue entrySettings) => entrySettings.Entries.Count == 0
            ? key with { Text = job }
            : new MapValue([new(key with { Text = job }, entrySettings)], key.At);

        if (settings["type"].TextOrNull() == "approval")
        {
            if (root.Jobs.ContainsKey(name))
                diagnostics.Error(key.At, $"approval job '{name}' of workflow '{workflow}' has the name of a job defined under jobs:; an approval job needs a name of its own");
            return EntryOf(written, Named(kept, unnumbered, written, key.At));
        }

        var definition = root.IsFromMissingOrb(written) ? null : root.Resolve(written, s => s.Jobs);
        // A job of an orb that is not in the registry keeps its arguments, as written.
        if (definition is null && root.IsFromMissingOrb(written)) return EntryOf(written, Named(settings.Without("matrix"), unnumbered, written, key.At));
        if (definition is null)
        {
            if (written.Contains('/'))
                diagnostics.Error(key.At, root.ImportsOrbOf(written)
                    ? $"workflow '{workflow}' runs job '{written}', which its orb does not define"
                    : $"workflow '{workflow}' runs job '{written}', but no orb '{written[..written.IndexOf('/')]}' is declared under orbs:");
            // A job that is not defined is reported by the workflow reader.
            return EntryOf(written, Named(kept, unnumbered, written, key.At));
        }

        var arguments = settings.Entries.Where(entry => !EntryKeys.Contains(entry.Key.Text)).ToList();
        var declarations = Parameters.Declare(definition.Body["parameters"], $"job '{written}'", diagnostics);
        var instance = arguments.Count > 0 || settings.Contains("pre-steps") || settings.Contains("post-steps")
            // A job with parameters gets its own expansion per invocation, so a later invocation cannot change another's.
            || definition.Scope != root || declarations.Count > 0;
        if (!instance) return EntryOf(written, Named(kept, unnumbered, written, key.At));

        if (name != written && root.Jobs.ContainsKey(name))
            diagnostics.Error(key.At, $"'{name}' in workflow '{workflow}' names a job defined under jobs:, but runs '{written}' with its own parameters; give it another name:");
        var job = ExpandJob(definition, arguments, key.At, settings["pre-steps"], settings["post-steps"]);
        if (job is not null) putJob(key with { Text = name }, job);
        else failedJobs.Add(name);
        return EntryOf(name, kept.Without("name"));
    }

    private static MapValue Named(MapValue settings, string name, string job, Mark at) =>
        name == job ? settings.Without("name") : settings.With("name", ScalarValue.Plain(name, at));

    private List<(string Name, MapValue Settings, string Alias)> ExpandMatrix(ScalarValue key, MapValue settings, Value matrix, string workflow)
    {
        var result = new List<(string, MapValue, string)>();
        if (matrix is not MapValue map || map["parameters"] is not MapValue parameters || parameters.Entries.Count == 0)
        {
            diagnostics.Error(matrix.At, $"the matrix of job '{key.Text}' in workflow '{workflow}' needs parameters: with a list of values for each");
            return result;
        }
        var axes = new List<(ScalarValue Name, IReadOnlyList<Value> Values)>();
        foreach (var (name, values) in parameters.Entries)
        {
            if (values is ListValue { Items.Count: > 0 } list) axes.Add((name, list.Items));
            else diagnostics.Error(values.At, $"matrix parameter '{name.Text}' of job '{key.Text}' needs a list of values");
        }
        if (axes.Count != parameters.Entries.Count) return result;
        var excluded = map["exclude"] is ListValue exclude ? exclude.Items.OfType<MapValue>().ToList() : [];
        var alias = map["alias"].TextOrNull() ?? key.Text;

        var combinations = new List<List<(ScalarValue Name, Value Value)>> { new() };
        foreach (var (name, values) in axes)
        {
            combinations = combinations.SelectMany(combination => values.Select(value => combination.Append((name, value)).ToList())).ToList();
            if (combinations.Count > MaxMatrixJobs)
            {
                diagnostics.Error(matrix.At, $"the matrix of job '{key.Text}' expands to more than {MaxMatrixJobs} jobs");
                return result;
            }
        }
        foreach (var combination in combinations)
        {
            if (excluded.Any(exclusion => exclusion.Entries.All(entry =>
                    combination.Any(axis => axis.Name.Text == entry.Key.Text && SameText(axis.Value, entry.Value)))))
                continue;
            var values = combination.ToDictionary(axis => "matrix." + axis.Name.Text, axis => axis.Value, StringComparer.Ordinal);
            var instance = (MapValue)Parameters.Substitute(settings.Without("matrix"), "matrix.", values.GetValueOrDefault, (name, at) =>
                diagnostics.Error(at, $"<< {name} >> is not a parameter of the matrix of job '{key.Text}'"));
            foreach (var (name, value) in combination) instance = instance.With(name.Text, value);
            var instanceName = instance["name"].TextOrNull()
                ?? $"{key.Text}-{string.Join("-", combination.Select(axis => axis.Value is ScalarValue s ? s.Text : "x"))}";
            result.Add((instanceName, instance.With("name", ScalarValue.Plain(instanceName, key.At)), alias));
        }
        return result;
    }

    private static bool SameText(Value left, Value right) => left is ScalarValue a && right is ScalarValue b && a.Text == b.Text;

    private static ListValue ExpandAliases(ListValue requires, Dictionary<string, List<string>> aliases, HashSet<string> names)
    {
        var items = new List<Value>();
        foreach (var item in requires.Items)
        {
            switch (item)
            {
                case ScalarValue required when !names.Contains(required.Text) && aliases.TryGetValue(required.Text, out var members):
                    items.AddRange(members.Select(member => (Value)(required with { Text = member })));
                    break;
                case MapValue statuses when statuses.Entries.Any(entry => !names.Contains(entry.Key.Text) && aliases.ContainsKey(entry.Key.Text)):
                    var entries = statuses.Entries.SelectMany(entry => !names.Contains(entry.Key.Text) && aliases.TryGetValue(entry.Key.Text, out var group)
                        ? group.Select(member => new KeyValuePair<ScalarValue, Value>(entry.Key with { Text = member }, entry.Value))
                        : [entry]).ToList();
                    items.AddRange(entries.Select(entry => (Value)new MapValue([entry], statuses.At)));
                    break;
                default:
                    items.Add(item);
                    break;
            }
        }
        return new ListValue(items, requires.At);
    }

    /// <summary>A workflow entry after matrix expansion; <paramref name="AsWritten"/> is set for one that cannot be read, kept for the reader to report.</summary>
    private sealed record WorkflowEntryDraft(ScalarValue Key, string Written, string Name, MapValue Settings, string? Alias, Value? AsWritten = null);

    /// <summary>A job invoked more than once under one name is numbered (<c>name-1</c>, <c>name-2</c>), as CircleCI does.</summary>
    private static List<WorkflowEntryDraft> NumberDuplicates(List<WorkflowEntryDraft> entries)
    {
        var duplicated = entries.Where(entry => entry.AsWritten is null).GroupBy(entry => entry.Name, StringComparer.Ordinal)
            .Where(group => group.Count() > 1).Select(group => group.Key).ToHashSet(StringComparer.Ordinal);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        return entries.Select(entry =>
        {
            if (entry.AsWritten is not null || !duplicated.Contains(entry.Name)) return entry;
            counters[entry.Name] = counters.GetValueOrDefault(entry.Name) + 1;
            return entry with { Name = $"{entry.Name}-{counters[entry.Name]}" };
        }).ToList();
    }

    private void CheckTriggers(Value? triggers, string workflow)
    {
        if (triggers.IsNullValue()) return;
        if (triggers is not ListValue list)
        {
            diagnostics.Error(triggers!.At, $"the triggers of workflow '{workflow}' must be a list of schedule: entries");
            return;
        }
        foreach (var trigger in list.Items)
        {
            if (trigger is not MapValue map || map["schedule"] is not MapValue schedule || schedule["cron"] is not ScalarValue cron)
            {
                diagnostics.Error(trigger.At, $"a trigger of workflow '{workflow}' is schedule: with cron: and filters:");
                continue;
            }
            try
            {
                CronExpression.Parse(cron.Text, CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                diagnostics.Error(cron.At, $"the cron of workflow '{workflow}' ({cron.Text}) is not a valid five-field cron expression: {e.Message}");
            }
        }
    }
}
