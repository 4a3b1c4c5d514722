using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors.Machine;

/// <param name="AgentName">Owner of the workspaces, so a restarted agent finds its leftovers.</param>
/// <param name="WorkspaceRoot">Where workspaces are made; the system temp directory when null.</param>
public sealed record MachineExecutorOptions(string AgentName, string? WorkspaceRoot = null);

/// <summary>
/// Runs steps as processes on the agent's own host, each task in a throwaway workspace
/// directory that is also its HOME. There is no isolation: an absolute working directory is
/// the host's, and a step can touch anything the agent's user can.
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
        var workspace = Path.Combine(AgentDirectory(options.AgentName), name);
        try
        {
            Directory.CreateDirectory(workspace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ExecutorException($"cannot create the workspace {workspace}: {ex.Message}", ex);
        }
        output($"Machine executor: workspace {workspace} on this agent's host\n");
        return Task.FromResult<IExecutionEnvironment>(new MachineEnvironment(workspace));
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

internal sealed class MachineEnvironment(string workspace) : IExecutionEnvironment
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
        return Task.CompletedTask;
    }

    public Task<bool> CopyOutAsync(string path, string hostPath, CancellationToken cancellationToken)
    {
        var source = ((IExecutionEnvironment)this).ResolvePath(path);
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
        var directory = ((IExecutionEnvironment)this).ResolvePath(command.WorkingDirectory);
        Directory.CreateDirectory(directory);
        var environment = new Dictionary<string, string?>();
        foreach (var name in PassedThrough)
        {
            var value = System.Environment.GetEnvironmentVariable(name);
            if (value is not null) environment[name] = value;
        }
        environment.TryAdd("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment["HOME"] = HomeDirectory;
        foreach (var (name, value) in command.Environment) environment[name] = value;
        return await HostProcess.RunAsync(command.Argv, environment, inheritEnvironment: false, directory, output, cancellationToken)
            .ConfigureAwait(false);
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
