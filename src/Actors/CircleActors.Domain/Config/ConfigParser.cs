using CircleActors.Domain.Config.Internal;
using CircleActors.Domain.Config.Internal.Processing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config;

/// <summary>
/// Reads a <c>.circleci/config.yml</c> (2.0, or 2.1 processed as CircleCI does) into a
/// <see cref="PipelineConfig"/>. It never throws on bad input: every problem is a
/// <see cref="ConfigError"/> at its line and column.
/// </summary>
public static class ConfigParser
{
    public const string DefaultFileName = ".circleci/config.yml";

    /// <summary>Without <c>workflows:</c>, CircleCI runs the job named <c>build</c> in a workflow named <c>workflow</c>.</summary>
    public const string ImplicitWorkflowName = "workflow";
    public const string ImplicitJobName = "build";

    public const string Version20 = "2.0";
    public const string Version21 = "2.1";

    // PipelineConfig.Version holds the normalized form, so `version: 2` reads as "2.0".
    private static readonly Dictionary<string, string> Versions = new(StringComparer.Ordinal)
    {
        ["2"] = Version20,
        ["2.0"] = Version20,
        ["2.1"] = Version21,
    };

    public static ConfigParseResult Parse(string yaml, string fileName = DefaultFileName) => Parse(yaml, fileName, ConfigOptions.Default);

    /// <summary>
    /// Whether pipeline parameters given with a trigger fit the config's declared ones (names,
    /// types, enum values, required ones): what a trigger is refused for, before any pipeline
    /// exists. Other problems of the config are not reported here; the pipeline reports them.
    /// </summary>
    public static IReadOnlyList<ConfigError> CheckPipelineParameters(string yaml, IReadOnlyDictionary<string, object> parameters, string fileName = DefaultFileName)
    {
        var diagnostics = new ConfigDiagnostics(fileName);
        var parameterProblems = new ConfigDiagnostics(fileName);
        try
        {
            if (YamlLoader.Load(yaml, diagnostics) is { } root && TreeConversion.FromYaml(root, diagnostics) is MapValue top)
            {
                if (top["version"] is not ScalarValue { Text: Version21 })
                {
                    if (parameters.Count > 0) parameterProblems.Error(top.At, "pipeline parameters need a version 2.1 config");
                }
                else Processor.BindPipelineParameters(top, parameters, parameterProblems);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An unreadable config is the pipeline's to report, not the trigger's.
        }
        return parameterProblems.Errors;
    }

    /// <summary>
    /// Reads a config as a pipeline with these values, parameters and orbs sees it: a 2.1 config is
    /// processed first (see <see cref="ConfigParseResult.ProcessedYaml"/>), so the result holds plain jobs.
    /// </summary>
    public static ConfigParseResult Parse(string yaml, string fileName, ConfigOptions options)
    {
        var diagnostics = new ConfigDiagnostics(fileName);
        PipelineConfig? config = null;
        Internal.Processing.Value? processedTree = null;
        try
        {
            if (YamlLoader.Load(yaml, diagnostics) is { } root && TreeConversion.FromYaml(root, diagnostics) is { } tree)
            {
                IReadOnlyDictionary<(string, string), Invocation>? invocations = null;
                IReadOnlySet<string> skipped = new HashSet<string>();
                IReadOnlySet<string> failed = new HashSet<string>();
                if (tree is MapValue top && top["version"] is ScalarValue { Text: Version21 })
                {
                    var processed = new Processor(diagnostics, options).Process(top);
                    tree = processed.Tree;
                    invocations = processed.Invocations;
                    skipped = processed.SkippedWorkflows;
                    failed = processed.FailedJobs;
                }
                config = Read(TreeConversion.ToYaml(tree), diagnostics, invocations, failed);
                if (config is not null && skipped.Count > 0)
                    config = config with { Workflows = config.Workflows.Select(workflow => skipped.Contains(workflow.Name) ? workflow with { ConditionHolds = false } : workflow).ToList() };
                processedTree = tree;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A config is user input read inside a server: a reader bug must fail this pipeline with a message, not the caller.
            diagnostics.Error(Mark.Empty, $"the configuration could not be read ({e.GetType().Name}: {e.Message})");
        }
        return new ConfigParseResult(diagnostics.HasErrors ? null : config, diagnostics.Errors, diagnostics.Warnings)
        {
            WriteProcessedYaml = diagnostics.HasErrors || processedTree is null ? null : () => TreeConversion.ToText(processedTree),
        };
    }

    private static PipelineConfig? Read(
        YamlNode root, ConfigDiagnostics diagnostics, IReadOnlyDictionary<(string, string), Invocation>? invocations, IReadOnlySet<string> failedJobs)
    {
        var nodes = new NodeReader(diagnostics);
        var top = nodes.Map(root, "the configuration (a map with version:, jobs: and workflows:)");
        if (top is null) return null;

        var version = ReadVersion(top, nodes);
        var environments = new EnvironmentReader(nodes);
        var executors = new ExecutorReader(nodes, environments);
        executors.ReadDefinitions(top["executors"]);
        var jobs = new JobReader(nodes, executors, environments, new StepReader(nodes, environments)).ReadJobs(top["jobs"]);

        var workflows = NodeReader.IsNull(top["workflows"])
            ? ImplicitWorkflow(top, jobs, diagnostics)
            : ExplicitWorkflows(top["workflows"]!, jobs, nodes, numberDuplicates: version == Version21, invocations, failedJobs);
        if (version == Version20 && top["workflows"] is YamlMappingNode written)
            foreach (var (key, value) in written.Children)
                if (value is YamlMappingNode workflow && (workflow.Children.ContainsKey("when") || workflow.Children.ContainsKey("unless")))
                    diagnostics.Warning(key.Start, $"workflow '{key}' has a when: or unless: condition, which only version 2.1 evaluates; it always runs");

        var isSetup = !NodeReader.IsNull(top["setup"]) && nodes.Bool(top["setup"]!, "setup") == true;
        return version is null ? null : new PipelineConfig(version, jobs.Jobs, workflows, isSetup);
    }

    private static string? ReadVersion(MergedMapping top, NodeReader nodes)
    {
        if (NodeReader.IsNull(top["version"]))
        {
            nodes.Diagnostics.Error(top.Start, "the configuration needs a version: 2.1 (or 2.0)");
            return null;
        }
        var text = nodes.Text(top["version"]!, "version");
        if (text is null) return null;
        if (Versions.TryGetValue(text, out var version)) return version;
        nodes.Diagnostics.Error(top["version"]!.Start, $"version {text} is not supported; use 2.1 (or 2.0)");
        return null;
    }

    private static List<WorkflowDefinition> ImplicitWorkflow(MergedMapping top, JobsRead jobs, ConfigDiagnostics diagnostics)
    {
        if (!jobs.Declared.ContainsKey(ImplicitJobName))
            diagnostics.Error(top.Contains("jobs") ? top.KeyMark("jobs") : top.Start,
                $"without workflows:, CircleCI runs the job named '{ImplicitJobName}', but there is none");
        return [new WorkflowDefinition(ImplicitWorkflowName, [new WorkflowJob(ImplicitJobName, ImplicitJobName, [])])];
    }

    private static List<WorkflowDefinition> ExplicitWorkflows(
        YamlNode workflowsNode, JobsRead jobs, NodeReader nodes, bool numberDuplicates,
        IReadOnlyDictionary<(string, string), Invocation>? invocations, IReadOnlySet<string> failedJobs)
    {
        var drafts = new WorkflowReader(nodes).ReadWorkflows(workflowsNode)
            .Select(draft => numberDuplicates ? DuplicateJobNaming.Number(draft) : draft)
            .ToList();
        var validator = new WorkflowGraphValidator(nodes.Diagnostics, jobs.Declared.Keys.Concat(failedJobs).ToHashSet(StringComparer.Ordinal));
        foreach (var draft in drafts) validator.Validate(draft);

        // A job run only through its own expansions (parameters, matrix) is still run.
        var referenced = drafts.SelectMany(draft => draft.Entries).Select(entry => entry.Job.JobName)
            .Concat(invocations?.Values.Select(invocation => invocation.WrittenJob) ?? [])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (name, at) in jobs.Declared.Where(job => !referenced.Contains(job.Key)))
            nodes.Diagnostics.Warning(at, $"job '{name}' is defined but no workflow runs it");

        return drafts.Select(draft => draft.ToDefinition()).Select(workflow => invocations is null ? workflow : workflow with
        {
            Jobs = workflow.Jobs.Select(job => invocations.TryGetValue((workflow.Name, job.Name), out var invocation)
                ? job with { Invokes = invocation.WrittenJob == job.JobName ? null : invocation.WrittenJob, MatrixAlias = invocation.MatrixAlias }
                : job).ToList(),
        }).ToList();
    }
}
