using System.Collections.Concurrent;
using System.Diagnostics;
using CircleActors.Actors.Projects;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Tests;

/// <summary>Keeps everything a task reported, with the time it arrived.</summary>
internal sealed class RecordingReporter : ITaskReporter
{
    public sealed record Event(string Kind, int Step, string Text, int ExitCode, StepOutcome? Outcome, TimeSpan At);

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Event> events = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiters = new();

    public IReadOnlyList<Event> Events => events.ToList();

    /// <summary>The reporter's clock, to compare a moment with the events' times.</summary>
    public TimeSpan Now => clock.Elapsed;

    public void StepStarted(int stepIndex, string name) => events.Enqueue(new("started", stepIndex, name, 0, null, clock.Elapsed));

    public void Output(int stepIndex, string text)
    {
        Assert.EndsWith("\n", text);
        events.Enqueue(new("output", stepIndex, text, 0, null, clock.Elapsed));
        foreach (var (expected, waiter) in waiters)
            if (text.Contains(expected, StringComparison.Ordinal)) waiter.TrySetResult();
    }

    public void StepFinished(int stepIndex, int exitCode, StepOutcome outcome) =>
        events.Enqueue(new("finished", stepIndex, "", exitCode, outcome, clock.Elapsed));

    /// <summary>Completes when some output contains <paramref name="text"/>.</summary>
    public Task OutputContaining(string text)
    {
        var waiter = waiters.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // The output may have come before anyone waited for it.
        if (events.Any(e => e.Kind == "output" && e.Text.Contains(text, StringComparison.Ordinal))) waiter.TrySetResult();
        return waiter.Task;
    }

    public string OutputOf(int step) => string.Concat(Events.Where(e => e.Kind == "output" && e.Step == step).Select(e => e.Text));

    public string AllOutput => string.Concat(Events.Where(e => e.Kind == "output").Select(e => $"[{e.Step}] {e.Text}"));

    public StepOutcome? OutcomeOf(int step) => Events.LastOrDefault(e => e.Kind == "finished" && e.Step == step)?.Outcome;

    public Event Finished(int step) => Events.Single(e => e.Kind == "finished" && e.Step == step);

    public IReadOnlyList<string> StepNames => Events.Where(e => e.Kind == "started").Select(e => e.Text).ToList();
}

/// <summary>A project whose environment variables and checkout credentials are the ones given.</summary>
internal sealed class StaticProjectEnvironment(Dictionary<string, string> values, ProjectEnvironmentProtocol.CheckoutCredentials? credentials = null)
    : IProjectEnvironment
{
    public Task<ProjectSecrets> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken) =>
        Task.FromResult(new ProjectSecrets(values, credentials ?? ProjectEnvironmentProtocol.CheckoutCredentials.None));
}

internal static class Tasks
{
    public static JobDefinition DockerJob(string image, params Step[] steps) =>
        new("build", new DockerExecutor([new DockerImage(image)]), steps);

    public static JobDefinition MachineJob(params Step[] steps) => new("build", new MachineExecutor(), steps);

    public static JobTaskSpec Spec(JobDefinition job, string repositoryUrl = "/nonexistent", string revision = "0000000000000000000000000000000000000000",
        string? branch = "main", string? tag = null, int taskIndex = 0) =>
        new(new JobId(Guid.NewGuid()), taskIndex, 1, ProjectSlug.Parse("gh/acme/app"), repositoryUrl, 42, job.Name,
            new WorkflowId(Guid.NewGuid()), "ci", new PipelineId(Guid.NewGuid()), 7, revision, branch, tag, job);
}

/// <summary>A throwaway git repository with one commit holding <c>hello.txt</c>.</summary>
internal sealed class TestRepository : IDisposable
{
    public TestRepository()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("circleactors-repo-").FullName;
        File.WriteAllText(System.IO.Path.Combine(Directory, "hello.txt"), "hello from the repository\n");
        Git("init", "--quiet", "--initial-branch=main");
        Git("add", "hello.txt");
        Git("-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-m", "first");
        Revision = Git("rev-parse", "HEAD").Trim();
    }

    public string Directory { get; }
    public string Revision { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        return output;
    }
}

/// <summary>Where machine specs make their workspaces.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class WorkspaceRoots
{
    /// <summary>
    /// A temporary directory the build user may pass through (a fresh one is private to its
    /// creator), as an agent's data directory must be.
    /// </summary>
    public static DirectoryInfo Create(string prefix)
    {
        var root = Directory.CreateTempSubdirectory(prefix);
        root.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return root;
    }
}
