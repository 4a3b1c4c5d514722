using System.Text.Json.Serialization;

namespace CircleActors.Domain.Config;

// The processed configuration: what a pipeline runs, after YAML anchors, merge keys and
// 2.1 reuse (parameters, commands, executors, orbs, matrices, conditions) have been expanded. These records travel inside events and agent
// messages, so they are plain data serialized as JSON.

/// <param name="IsSetup">A <c>setup: true</c> config, whose jobs continue the pipeline with a generated config (continuation is not run yet).</param>
public sealed record PipelineConfig(
    string Version,
    IReadOnlyDictionary<string, JobDefinition> Jobs,
    IReadOnlyList<WorkflowDefinition> Workflows,
    bool IsSetup = false);

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

/// <param name="Auth">Registry credentials for pulling the image when the agent's engine does not have it.</param>
public sealed record DockerImage(
    string Image,
    string? Name = null,
    IReadOnlyList<string>? Entrypoint = null,
    IReadOnlyList<string>? Command = null,
    string? User = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    DockerAuth? Auth = null);

/// <summary>
/// A docker image's <c>auth:</c>, as written: the password is normally a reference such as
/// <c>$DOCKERHUB_PASSWORD</c>, expanded from the project's variables on the agent, so no secret
/// is stored with the config.
/// </summary>
public sealed record DockerAuth(string Username, string Password);

public sealed record MachineExecutor(string? Image = null) : Executor;

public sealed record MacosExecutor(string? Xcode = null) : Executor;

/// <summary>An executor of an orb that is not in the orb registry (<c>orb/name</c>), left as written; the pipeline reports it.</summary>
public sealed record OrbExecutor(string Reference) : Executor;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CheckoutStep), "checkout")]
[JsonDerivedType(typeof(RunStep), "run")]
[JsonDerivedType(typeof(UnsupportedStep), "unsupported")]
[JsonDerivedType(typeof(SaveCacheStep), "save_cache")]
[JsonDerivedType(typeof(RestoreCacheStep), "restore_cache")]
[JsonDerivedType(typeof(StoreArtifactsStep), "store_artifacts")]
[JsonDerivedType(typeof(StoreTestResultsStep), "store_test_results")]
[JsonDerivedType(typeof(PersistToWorkspaceStep), "persist_to_workspace")]
[JsonDerivedType(typeof(AttachWorkspaceStep), "attach_workspace")]
[JsonDerivedType(typeof(AddSshKeysStep), "add_ssh_keys")]
[JsonDerivedType(typeof(SetupRemoteDockerStep), "setup_remote_docker")]
[JsonDerivedType(typeof(DeployStep), "deploy")]
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

/// <summary>A step the engine could not expand (a command of an orb not in the registry, or a 2.0 step it does not know); reported and skipped.</summary>
public sealed record UnsupportedStep(string Type) : Step;

/// <summary>Saves <paramref name="Paths"/> under <paramref name="Key"/> (a template such as <c>v1-{{ checksum "package-lock.json" }}</c>).</summary>
public sealed record SaveCacheStep(string Key, IReadOnlyList<string> Paths, string? Name = null, StepWhen When = StepWhen.OnSuccess) : Step;

/// <summary>Restores the first cache whose key matches one of <paramref name="Keys"/>, tried in order as prefixes.</summary>
public sealed record RestoreCacheStep(IReadOnlyList<string> Keys, string? Name = null) : Step;

public sealed record StoreArtifactsStep(string Path, string? Destination = null) : Step;

public sealed record StoreTestResultsStep(string Path) : Step;

public sealed record PersistToWorkspaceStep(string Root, IReadOnlyList<string> Paths) : Step;

public sealed record AttachWorkspaceStep(string At) : Step;

/// <summary>Adds SSH keys by fingerprint; none listed means every key of the project.</summary>
public sealed record AddSshKeysStep(IReadOnlyList<string>? Fingerprints = null) : Step;

public sealed record SetupRemoteDockerStep(string? Version = null, bool DockerLayerCaching = false) : Step;

/// <summary>The deprecated <c>deploy</c> step: a run step that runs once, on parallel task 0.</summary>
public sealed record DeployStep(RunStep Run) : Step;

public enum StepWhen { OnSuccess, Always, OnFail }

/// <param name="ConditionHolds">False when the workflow's 2.1 <c>when:</c> or <c>unless:</c> keeps it from running.</param>
/// <param name="Schedules">The workflow's <c>triggers:</c>; a workflow with a schedule runs on it, not on a push.</param>
public sealed record WorkflowDefinition(
    string Name, IReadOnlyList<WorkflowJob> Jobs, bool ConditionHolds = true, IReadOnlyList<ScheduleTrigger>? Schedules = null);

/// <summary>A scheduled trigger: a five-field cron (UTC) and the branches it runs on.</summary>
public sealed record ScheduleTrigger(string Cron, Filters? Filters);

/// <summary>A workflow's <c>triggers:</c>, by workflow name.</summary>
public sealed record WorkflowSchedule(string Workflow, IReadOnlyList<ScheduleTrigger> Triggers);

/// <summary>One entry of a workflow's <c>jobs:</c> list.</summary>
/// <param name="JobName">The job definition it runs.</param>
/// <param name="Name">The name it has in the workflow (its <c>name:</c>, else the job name).</param>
/// <param name="Invokes">In 2.1, the job as written when this entry runs its own expansion of it (parameters, matrix, orb job).</param>
/// <param name="MatrixAlias">The alias of the matrix this entry comes from, which requires may name.</param>
/// <param name="RequiredStatuses">For requires written in the 2.1 map form (<c>- build: failed</c>), the statuses each waits for.</param>
public sealed record WorkflowJob(
    string JobName,
    string Name,
    IReadOnlyList<string> Requires,
    Filters? Filters = null,
    bool IsApproval = false,
    IReadOnlyList<string>? Context = null,
    string? Invokes = null,
    string? MatrixAlias = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? RequiredStatuses = null);

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
