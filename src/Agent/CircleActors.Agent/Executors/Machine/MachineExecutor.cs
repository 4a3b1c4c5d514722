using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors.Machine;

/// <param name="AgentName">Owner of the workspaces, so a restarted agent finds its leftovers.</param>
/// <param name="WorkspaceRoot">Where workspaces are made; the system temp directory when null.</param>
/// <param name="BuildUser">The unprivileged account steps run as when the agent runs as root.</param>
/// <param name="HiddenDirectories">Directories of the agent's own (its data directory) that a sandboxed step must not see.</param>
public sealed record MachineExecutorOptions(
    string AgentName, string? WorkspaceRoot = null, string BuildUser = MachineExecutorOptions.DefaultBuildUser,
    IReadOnlyList<string>? HiddenDirectories = null)
{
    /// <summary>Created by scripts/install-prerequisites.sh.</summary>
    public const string DefaultBuildUser = "circleactors-build";
}

/// <summary>
/// Runs steps as processes on the agent's own host, each task in a throwaway workspace
/// directory that is also its HOME, as an unprivileged account when the agent is root, and in a
/// bubblewrap sandbox where bubblewrap is installed (<see cref="Sandbox"/>).
/// </summary>
public sealed class MachineExecutor(MachineExecutorOptions options) : IExecutor
{
    private string Root => options.WorkspaceRoot ?? Path.GetTempPath();

    /// <summary>The directory holding the workspaces of one agent: <c>root/circleactors/agent</c>.</summary>
    public string AgentDirectory(string agentName) => Path.Combine(Root, "circleactors", SafeName(agentName));

    public Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = $"{task.JobId.Value:N}-{task.TaskIndex}-{Guid.NewGuid().ToString("N")[..8]}";
        var agentDirectory = AgentDirectory(options.AgentName);
        var workspace = Path.Combine(agentDirectory, name);
        var sandbox = SandboxFor(agentDirectory);
        try
        {
            Directory.CreateDirectory(workspace);
            if (sandbox.RunAs is { } account && OperatingSystem.IsLinux())
            {
                // Others may pass through the agent's directories to their workspace, but not list them.
                const UnixFileMode passThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                File.SetUnixFileMode(Path.GetDirectoryName(agentDirectory)!, passThrough);
                File.SetUnixFileMode(agentDirectory, passThrough);
                UnixAccounts.GiveTree(workspace, account);
                File.SetUnixFileMode(workspace, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                if (ClosedAncestor(workspace, account) is { } closed)
                    throw new ExecutorException($"the build user {account.Name} cannot reach its workspace: {closed} is closed to other users " +
                        "(chmod o+x it, or put the agent's data directory elsewhere)");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ExecutorException)
        {
            MachineEnvironment.TryDelete(workspace);
            throw ex as ExecutorException ?? new ExecutorException($"cannot create the workspace {workspace}: {ex.Message}", ex);
        }
        output(sandbox.Describe(workspace));
        return Task.FromResult<IExecutionEnvironment>(new MachineEnvironment(workspace, sandbox));
    }

    /// <summary>The first directory above <paramref name="path"/> that <paramref name="account"/> may not pass through, if any.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string? ClosedAncestor(string path, UnixAccount account)
    {
        for (var directory = Path.GetDirectoryName(path); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            var mode = File.GetUnixFileMode(directory);
            if ((mode & UnixFileMode.OtherExecute) == 0) return directory;
        }
        return null;
    }

    private Sandbox SandboxFor(string agentDirectory)
    {
        UnixAccount? runAs = null;
        if (UnixAccounts.AgentIsRoot)
            runAs = UnixAccounts.Find(options.BuildUser)
                ?? throw new ExecutorException($"the build user {options.BuildUser} does not exist: create it (scripts/install-prerequisites.sh does) so machine steps do not run as root");
        return new Sandbox(runAs, Sandbox.FindOnPath("bwrap"), [.. options.HiddenDirectories ?? [], agentDirectory]);
    }

    public Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken)
    {
        var directory = AgentDirectory(agentName);
        if (!Directory.Exists(directory)) return Task.FromResult(0);
        var removed = 0;
        foreach (var workspace in Directory.EnumerateDirectories(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (MachineEnvironment.TryDelete(workspace)) removed++;
        }
        return Task.FromResult(removed);
    }

    // Agent names become one path segment: nothing that could climb out of the root.
    private static string SafeName(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return safe.Length == 0 ? "_" : safe;
    }
}

internal sealed class MachineEnvironment(string workspace, Sandbox sandbox) : IExecutionEnvironment
{
    // Variables passed through from the agent: enough to find programs and print text, nothing
    // else, because the agent's own environment may hold its secrets.
    private static readonly string[] PassedThrough = ["PATH", "LANG", "LC_ALL", "TZ"];

    public string HomeDirectory { get; } = workspace;

    public Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(((IExecutionEnvironment)this).ResolvePath(path)));

    public Task CopyDirectoryAsync(string hostDirectory, string path, CancellationToken cancellationToken)
    {
        var target = ((IExecutionEnvironment)this).ResolvePath(path);
        Copy(new DirectoryInfo(hostDirectory), target, cancellationToken);
        // The agent copied as itself: the step's account must own what it is given.
        if (sandbox.RunAs is { } account) UnixAccounts.GiveTree(OutermostCreated(target) ?? target, account);
        return Task.CompletedTask;
    }

    public async Task<int> RunAsync(CommandRequest command, Action<string> output, CancellationToken cancellationToken)
    {
        var directory = ((IExecutionEnvironment)this).ResolvePath(command.WorkingDirectory);
        var created = OutermostCreated(directory);
        Directory.CreateDirectory(directory);
        if (created is not null && sandbox.RunAs is { } account) UnixAccounts.GiveTree(created, account);
        var environment = new Dictionary<string, string?>();
        foreach (var name in PassedThrough)
        {
            var value = System.Environment.GetEnvironmentVariable(name);
            if (value is not null) environment[name] = value;
        }
        environment.TryAdd("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment["HOME"] = HomeDirectory;
        foreach (var (name, value) in command.Environment) environment[name] = value;
        return await HostProcess.RunAsync(sandbox.Wrap(command.Argv, HomeDirectory, directory), environment, inheritEnvironment: false,
            directory, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The outermost directory of <paramref name="path"/> inside the workspace that does not exist yet, or null.</summary>
    private string? OutermostCreated(string path)
    {
        string? outermost = null;
        for (var current = Path.GetFullPath(path);
             current.StartsWith(HomeDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Directory.Exists(current) && !File.Exists(current);
             current = Path.GetDirectoryName(current)!)
            outermost = current;
        return outermost;
    }

    public ValueTask DisposeAsync()
    {
        TryDelete(HomeDirectory);
        return ValueTask.CompletedTask;
    }

    internal static bool TryDelete(string directory)
    {
        try
        {
            if (!Directory.Exists(directory)) return false;
            if (!OperatingSystem.IsWindows()) MakeDirectoriesWritable(directory);
            Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // A step may leave read-only directories behind (e.g. Go's module cache); make them
    // writable so their contents can be deleted.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeDirectoriesWritable(string directory)
    {
        foreach (var sub in new DirectoryInfo(directory).EnumerateDirectories("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            // A link may point outside the workspace: leave what it points at alone.
            if (sub.LinkTarget is not null) continue;
            try { sub.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            MakeDirectoriesWritable(sub.FullName);
        }
    }

    private static void Copy(DirectoryInfo source, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        // Dot files count as hidden on Unix, and a checkout without .git is no checkout.
        foreach (var entry in source.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var destination = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                if (File.Exists(destination) || Directory.Exists(destination)) File.Delete(destination);
                File.CreateSymbolicLink(destination, link);
            }
            else if (entry is DirectoryInfo directory) Copy(directory, destination, cancellationToken);
            else ((FileInfo)entry).CopyTo(destination, overwrite: true);
        }
    }
}
