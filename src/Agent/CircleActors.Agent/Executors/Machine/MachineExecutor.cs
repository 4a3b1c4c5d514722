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
        // The task's directory holds its home and, in a sandbox, what the task sees as /tmp.
        var taskDirectory = Path.Combine(agentDirectory, name);
        var environment = new MachineEnvironment(taskDirectory, SandboxFor(agentDirectory));
        try
        {
            Directory.CreateDirectory(environment.HomeDirectory);
            if (environment.PrivateTmp is { } tmp) Directory.CreateDirectory(tmp);
            if (environment.Sandbox.RunAs is { } account && OperatingSystem.IsLinux())
            {
                // Others may pass through the agent's directories to their task's, but not list them.
                const UnixFileMode passThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                foreach (var directory in new[] { Path.GetDirectoryName(agentDirectory)!, agentDirectory, taskDirectory })
                    File.SetUnixFileMode(directory, passThrough);
                foreach (var owned in new[] { environment.HomeDirectory, environment.PrivateTmp }.OfType<string>())
                {
                    UnixAccounts.GiveTree(owned, account);
                    File.SetUnixFileMode(owned, ownerOnly);
                }
                if (ClosedAncestor(environment.HomeDirectory) is { } closed)
                    throw new ExecutorException($"the build user {account.Name} cannot reach its workspace: {closed} is closed to other users " +
                        "(chmod o+x it, or put the agent's data directory elsewhere)");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ExecutorException)
        {
            MachineEnvironment.TryDelete(taskDirectory);
            throw ex as ExecutorException ?? new ExecutorException($"cannot create the workspace {taskDirectory}: {ex.Message}", ex);
        }
        output(environment.Sandbox.Describe(environment.HomeDirectory));
        return Task.FromResult<IExecutionEnvironment>(environment);
    }

    /// <summary>The first directory above <paramref name="path"/> that other users may not pass through, if any.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string? ClosedAncestor(string path)
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

/// <param name="taskDirectory">Holds <c>home</c> (the task's HOME and workspace) and, sandboxed, <c>tmp</c> (its /tmp).</param>
internal sealed class MachineEnvironment(string taskDirectory, Sandbox sandbox) : IExecutionEnvironment
{
    // Variables passed through from the agent: enough to find programs and print text, nothing
    // else, because the agent's own environment may hold its secrets.
    private static readonly string[] PassedThrough = ["PATH", "LANG", "LC_ALL", "TZ"];

    public Sandbox Sandbox => sandbox;

    public string Description => $"machine: workspace {taskDirectory}{(sandbox.Bubblewrap is null ? "" : ", sandboxed")}";

    public string HomeDirectory { get; } = Path.Combine(taskDirectory, "home");

    /// <summary>
    /// In a sandbox, the host directory the task sees as /tmp: the agent reads and writes a
    /// task's /tmp paths (attach_workspace at /tmp/workspace, say) there, so both sides agree.
    /// </summary>
    public string? PrivateTmp { get; } = sandbox.Bubblewrap is null ? null : Path.Combine(taskDirectory, "tmp");

    public string ResolvePath(string path)
    {
        var resolved = EnvironmentPath.Resolve(HomeDirectory, path);
        // The task's own directory may itself be under the host's /tmp: it is seen where it is.
        if (PrivateTmp is null || resolved.StartsWith(taskDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return resolved;
        if (resolved == "/tmp") return PrivateTmp;
        return resolved.StartsWith("/tmp/", StringComparison.Ordinal) ? Path.Combine(PrivateTmp, resolved["/tmp/".Length..]) : resolved;
    }

    public Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) => Task.FromResult(File.Exists(ResolvePath(path)));

    public Task CopyDirectoryAsync(string hostDirectory, string path, CancellationToken cancellationToken)
    {
        var target = ResolvePath(path);
        var created = OutermostCreated(target);
        Copy(new DirectoryInfo(hostDirectory), target, cancellationToken);
        // The agent copied as itself: the step's account must own what it is given.
        if (sandbox.RunAs is { } account) UnixAccounts.GiveTree(created ?? target, account);
        return Task.CompletedTask;
    }

    public Task<bool> CopyOutAsync(string path, string hostPath, CancellationToken cancellationToken)
    {
        var source = ResolvePath(path);
        var info = new FileInfo(source);
        if (info.LinkTarget is { } link)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(hostPath))!);
            File.CreateSymbolicLink(hostPath, link);
        }
        else if (Directory.Exists(source)) Copy(new DirectoryInfo(source), hostPath, cancellationToken);
        else if (info.Exists)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(hostPath))!);
            info.CopyTo(hostPath, overwrite: true);
        }
        else return Task.FromResult(false);
        return Task.FromResult(true);
    }

    public async Task<int> RunAsync(CommandRequest command, Action<string> output, CancellationToken cancellationToken)
    {
        var directory = ResolvePath(command.WorkingDirectory);
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
        MakeMountPoints();
        foreach (var (name, value) in command.Environment) environment[name] = value;
        return await HostProcess.RunAsync(sandbox.Wrap(command.Argv, HomeDirectory, PrivateTmp, directory), environment, inheritEnvironment: false,
            directory, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// When the agent's directories are themselves under /tmp, the sandbox mounts over them inside
    /// the task's /tmp, which its concurrent steps (background ones) share: bubblewrap would make
    /// the same mount points in several sandboxes at once and one would fail. They are made here
    /// first, once, so bubblewrap only finds them.
    /// </summary>
    private void MakeMountPoints()
    {
        if (PrivateTmp is null) return;
        foreach (var path in sandbox.Hidden.Append(HomeDirectory))
            if (path.StartsWith("/tmp/", StringComparison.Ordinal))
                Directory.CreateDirectory(Path.Combine(PrivateTmp, path["/tmp/".Length..]));
    }

    /// <summary>The outermost directory of <paramref name="path"/> inside the task's directory that does not exist yet, or null.</summary>
    private string? OutermostCreated(string path)
    {
        string? outermost = null;
        for (var current = Path.GetFullPath(path);
             current.StartsWith(taskDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Directory.Exists(current) && !File.Exists(current);
             current = Path.GetDirectoryName(current)!)
            outermost = current;
        return outermost;
    }

    public ValueTask DisposeAsync()
    {
        TryDelete(taskDirectory);
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
