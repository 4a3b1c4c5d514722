using System.Text.Json.Serialization;

namespace CircleActors.Domain.Config;

// The processed configuration: what a pipeline runs, after YAML anchors, merge keys and
// (later) 2.1 reuse have been expanded. These records travel inside events and agent
// messages, so they are plain data serialized as JSON.

public sealed record PipelineConfig(
    string Version,
    IReadOnlyDictionary<string, JobDefinition> Jobs,
    IReadOnlyList<WorkflowDefinition> Workflows);

public sealed record JobDefinition(
    string Name,
    Executor Executor,
    IReadOnlyList<Step> Steps,
    string ResourceClass = ResourceClasses.Default,
    string? Shell = null,
    string WorkingDirectory = JobDefinition.DefaultWorkingDirectory,
    int Parallelism = 1,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    public const string DefaultWorkingDirectory = "~/project";
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> EnvironmentOrEmpty => Environment ?? new Dictionary<string, string>();
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(DockerExecutor), "docker")]
[JsonDerivedType(typeof(MachineExecutor), "machine")]
[JsonDerivedType(typeof(MacosExecutor), "macos")]
[JsonDerivedType(typeof(OrbExecutor), "orb")]
public abstract record Executor;

/// <summary>The first image is the primary container where steps run; the rest are services.</summary>
public sealed record DockerExecutor(IReadOnlyList<DockerImage> Images) : Executor;

public sealed record DockerImage(
    string Image,
    string? Name = null,
    IReadOnlyList<string>? Entrypoint = null,
    IReadOnlyList<string>? Command = null,
    string? User = null,
    IReadOnlyDictionary<string, string>? Environment = null);

public sealed record MachineExecutor(string? Image = null) : Executor;

public sealed record MacosExecutor(string? Xcode = null) : Executor;

/// <summary>An executor defined by an orb (<c>orb/name</c>); orbs are not expanded yet, so the pipeline reports it.</summary>
public sealed record OrbExecutor(string Reference) : Executor;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CheckoutStep), "checkout")]
[JsonDerivedType(typeof(RunStep), "run")]
[JsonDerivedType(typeof(UnsupportedStep), "unsupported")]
public abstract record Step;

public sealed record CheckoutStep(string? Path = null) : Step;

public sealed record RunStep(
    string Command,
    string? Name = null,
    string? Shell = null,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    bool Background = false,
    string? NoOutputTimeout = null,
    StepWhen When = StepWhen.OnSuccess) : Step
{
    /// <summary>CircleCI names an unnamed run step after its command's first line.</summary>
    [JsonIgnore]
    public string DisplayName => Name ?? Command.Split('\n')[0].Trim();
}

/// <summary>A step type the agent does not run yet; it is reported in the output and skipped.</summary>
public sealed record UnsupportedStep(string Type) : Step;

public enum StepWhen { OnSuccess, Always, OnFail }

public sealed record WorkflowDefinition(string Name, IReadOnlyList<WorkflowJob> Jobs);

/// <summary>One entry of a workflow's <c>jobs:</c> list.</summary>
/// <param name="JobName">The job definition it runs.</param>
/// <param name="Name">The name it has in the workflow (its <c>name:</c>, else the job name).</param>
public sealed record WorkflowJob(
    string JobName,
    string Name,
    IReadOnlyList<string> Requires,
    Filters? Filters = null,
    bool IsApproval = false,
    IReadOnlyList<string>? Context = null);

public sealed record Filters(RefFilter? Branches, RefFilter? Tags);

/// <summary>Patterns are exact names or <c>/regex/</c> anchored to the whole value.</summary>
public sealed record RefFilter(IReadOnlyList<string>? Only, IReadOnlyList<string>? Ignore);

/// <summary>CircleCI's resource classes for docker and machine executors with their size.</summary>
public static class ResourceClasses
{
    public const string Default = "medium";

    private static readonly Dictionary<string, (double Cpus, int MemoryMb)> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["small"] = (1, 2048),
        ["medium"] = (2, 4096),
        ["medium+"] = (3, 6144),
        ["large"] = (4, 8192),
        ["xlarge"] = (8, 16384),
        ["2xlarge"] = (16, 32768),
        ["2xlarge+"] = (20, 40960),
    };

    public static bool IsKnown(string name) => Sizes.ContainsKey(name);

    /// <summary>Size of a resource class; an unknown class (e.g. a self-hosted runner's) counts as medium.</summary>
    public static (double Cpus, int MemoryMb) SizeOf(string name) =>
        Sizes.TryGetValue(name, out var size) ? size : Sizes[Default];
}

/// <summary>A configuration problem with its place in the file, printed as <c>file:line:col: message</c>.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
