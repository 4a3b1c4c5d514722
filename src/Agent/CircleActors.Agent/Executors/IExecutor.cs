using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors;

/// <summary>
/// Makes the environments tasks run in (a Docker container, a workspace on the host, or
/// nothing at all for the fake). One executor serves many tasks at once: implementations are
/// thread-safe and keep no per-task state outside the environments they return.
/// </summary>
/// <remarks>
/// Lifecycle of one task: <see cref="PrepareAsync"/>, then any number of
/// <see cref="IExecutionEnvironment.CopyDirectoryAsync"/> and
/// <see cref="IExecutionEnvironment.RunAsync"/> calls, one at a time, then
/// <see cref="IAsyncDisposable.DisposeAsync"/>, which always runs and removes everything.
/// </remarks>
public interface IExecutor
{
    /// <summary>
    /// Creates the environment for one task. Progress meant for the user ("using image ...")
    /// goes to <paramref name="output"/> as complete lines.
    /// </summary>
    /// <exception cref="ExecutorException">The environment cannot be made (missing image,
    /// unreachable engine); the task is an infrastructure failure, not a failed build.</exception>
    /// <exception cref="OperationCanceledException">Canceled; nothing is left behind.</exception>
    Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken);

    /// <summary>
    /// Removes environments that an earlier run of the agent named <paramref name="agentName"/>
    /// left behind (it crashed before disposing them). Call it at agent start, before any task.
    /// </summary>
    /// <returns>How many environments were removed.</returns>
    Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken);
}

/// <summary>
/// One task's environment. Calls come from one task runner, one at a time; only
/// <see cref="IAsyncDisposable.DisposeAsync"/> may overlap a canceled call.
/// </summary>
/// <remarks>
/// Paths are the environment's own (inside the container for Docker). <c>~</c> and
/// <c>~/...</c> mean <see cref="HomeDirectory"/>; a relative path is taken under it.
/// <see cref="IAsyncDisposable.DisposeAsync"/> never throws and removes everything; what it
/// fails to remove, <see cref="IExecutor.RemoveLeftoversAsync"/> removes later.
/// </remarks>
public interface IExecutionEnvironment : IAsyncDisposable
{
    /// <summary>The home directory <c>~</c> stands for, as an absolute path.</summary>
    string HomeDirectory { get; }

    /// <summary>What the environment is made of (container ids, a workspace), for the agent's log of the task.</summary>
    string Description => GetType().Name;

    /// <summary>Expands <c>~</c> and makes <paramref name="path"/> absolute (under the home when relative).</summary>
    string ResolvePath(string path) => EnvironmentPath.Resolve(HomeDirectory, path);

    /// <summary>Whether a file exists at <paramref name="path"/> in the environment (used to find a shell).</summary>
    Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the contents of <paramref name="hostDirectory"/> (on the agent's host) into
    /// <paramref name="path"/>, creating it when missing and overwriting files already there.
    /// </summary>
    Task CopyDirectoryAsync(string hostDirectory, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the file or directory tree at <paramref name="path"/> out to <paramref name="hostPath"/>
    /// on the agent's host (for caches, workspaces and artifacts): a directory's contents become
    /// <paramref name="hostPath"/>'s, a file is written at <paramref name="hostPath"/>, links stay links.
    /// </summary>
    /// <returns>False when nothing exists at <paramref name="path"/>.</returns>
    Task<bool> CopyOutAsync(string path, string hostPath, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <see cref="CommandRequest.Shell"/> followed by <c>-c</c> and the script, in the
    /// working directory (created when missing), and returns the exit code.
    /// </summary>
    /// <param name="output">Receives stdout and stderr as they arrive, as one or more complete
    /// lines each ending in '\n' (a last line without one gets one). Never called concurrently,
    /// and not after this method returns.</param>
    /// <exception cref="OperationCanceledException">Canceled: the process was killed within
    /// 2 s. The environment may be unusable afterwards (Docker kills the whole container); only
    /// dispose it.</exception>
    /// <exception cref="ExecutorException">The environment itself failed (e.g. the engine went away).</exception>
    Task<int> RunAsync(CommandRequest command, Action<string> output, CancellationToken cancellationToken);
}

/// <summary>One command to run: <c>Shell... -c Script</c> with exactly these extra variables.</summary>
/// <param name="Shell">The shell and its options, e.g. <c>/bin/bash -eo pipefail</c>.</param>
/// <param name="WorkingDirectory">May start with <c>~</c>; created when missing.</param>
public sealed record CommandRequest(
    IReadOnlyList<string> Shell,
    string Script,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory)
{
    /// <summary>The full argument vector the executor starts.</summary>
    public IReadOnlyList<string> Argv => [.. Shell, "-c", Script];
}

/// <summary>The environment (not the user's build) failed; the task ends as infrastructure_fail.</summary>
public sealed class ExecutorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Path rules shared by executors: POSIX paths, <c>~</c> meaning the home directory.</summary>
public static class EnvironmentPath
{
    public static string Resolve(string home, string path)
    {
        if (path == "~") return home;
        if (path.StartsWith("~/", StringComparison.Ordinal)) return Join(home, path[2..]);
        if (path.StartsWith('/')) return path;
        return Join(home, path);
    }

    /// <summary>
    /// Places <paramref name="path"/> relative to <paramref name="baseDirectory"/> unless it is
    /// already absolute or home-relative (a step's <c>working_directory</c> relative to the job's).
    /// </summary>
    public static string Combine(string baseDirectory, string path) =>
        path.StartsWith('/') || path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? path
            : Join(baseDirectory, path);

    private static string Join(string left, string right) =>
        right.Length == 0 || right == "." ? left : left.TrimEnd('/') + "/" + right.TrimStart('/');
}
