using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>The jobs that were read, and every declared job name with its place, including jobs that had errors.</summary>
internal sealed record JobsRead(IReadOnlyDictionary<string, JobDefinition> Jobs, IReadOnlyDictionary<string, Mark> Declared);

/// <summary>Reads the top-level <c>jobs:</c> into job definitions; a job with errors is reported and left out.</summary>
internal sealed class JobReader(NodeReader nodes, ExecutorReader executors, EnvironmentReader environments, StepReader steps)
{
    public JobsRead ReadJobs(YamlNode? jobsNode)
    {
        var jobs = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        var declared = new Dictionary<string, Mark>(StringComparer.Ordinal);
        var map = NodeReader.IsNull(jobsNode) ? null : nodes.Map(jobsNode!, "jobs");
        foreach (var (key, value) in map?.Entries ?? [])
        {
            var name = key.Value ?? "";
            declared[name] = key.Start;
            if (Read(name, key, value) is { } job) jobs[name] = job;
        }
        return new JobsRead(jobs, declared);
    }

    private JobDefinition? Read(string name, YamlScalarNode key, YamlNode value)
    {
        var map = nodes.Map(value, $"job '{name}'");
        if (map is null) return null;

        var executor = executors.ReadForJob(map, name, key.Start);
        var jobSteps = ReadSteps(map, name, key);
        var environment = map["environment"] is { } node ? environments.Read(node, $"job '{name}'") : null;
        var parallelism = NodeReader.IsNull(map["parallelism"]) ? 1 : nodes.PositiveInt(map["parallelism"]!, $"the parallelism of job '{name}'");
        if (executor is null || jobSteps is null || parallelism is null) return null;

        // The job's own settings override those its executor brings.
        return new JobDefinition(
            name,
            executor.Executor,
            jobSteps,
            ResourceClass: nodes.OptionalText(map, "resource_class", $"the resource_class of job '{name}'") ?? executor.ResourceClass ?? ResourceClasses.Default,
            Shell: nodes.OptionalText(map, "shell", $"the shell of job '{name}'") ?? executor.Shell,
            WorkingDirectory: nodes.OptionalText(map, "working_directory", $"the working_directory of job '{name}'")
                ?? executor.WorkingDirectory ?? JobDefinition.DefaultWorkingDirectory,
            Parallelism: parallelism.Value,
            Environment: Merge(executor.Environment, environment));
    }

    private IReadOnlyList<Step>? ReadSteps(MergedMapping map, string name, YamlScalarNode key)
    {
        var node = map["steps"];
        if (NodeReader.IsNull(node) || node is YamlSequenceNode { Children.Count: 0 })
        {
            nodes.Diagnostics.Error(key.Start, $"job '{name}' has no steps");
            return null;
        }
        var read = steps.ReadSteps(node!, name);
        // A step that could not be read is already reported; the job is not usable without it.
        return read is not null && read.Count == ((YamlSequenceNode)node!).Children.Count ? read : null;
    }

    private static IReadOnlyDictionary<string, string>? Merge(IReadOnlyDictionary<string, string>? fromExecutor, IReadOnlyDictionary<string, string>? fromJob)
    {
        if (fromExecutor is null) return fromJob;
        if (fromJob is null) return fromExecutor;
        var merged = new Dictionary<string, string>(fromExecutor, StringComparer.Ordinal);
        foreach (var (name, value) in fromJob) merged[name] = value;
        return merged;
    }
}
