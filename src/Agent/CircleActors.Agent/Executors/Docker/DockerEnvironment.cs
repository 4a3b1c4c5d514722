using System.Collections.Concurrent;
using System.Formats.Tar;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace CircleActors.Agent.Executors.Docker;

/// <summary>
/// The primary container of one task, where steps are execs, and the service containers that
/// share its network; disposing removes them all.
/// </summary>
/// <param name="remoteDocker">The job's own engine when it has a <c>setup_remote_docker</c> step; it goes with the environment.</param>
internal sealed class DockerEnvironment(DockerExecutor executor, DockerClient client, string containerId, string? user, RemoteDockerEngine? remoteDocker = null)
    : IExecutionEnvironment, IRemoteDockerHost
{
    /// <summary>Marks every process of one step (children inherit it), so a stopped step's whole tree can be found and killed.</summary>
    public const string StepMarkerVariable = "CIRCLEACTORS_STEP_ID";

    // A stopped step's processes are killed inside the container first, so the container stays
    // usable for the next steps; when that takes longer than this, the container is killed, so a
    // cancel still ends within 2 s.
    private static readonly TimeSpan StepKillBudget = TimeSpan.FromSeconds(1.2);

    // Removing a container normally takes well under a second; past this the engine is stuck
    // and RemoveLeftoversAsync gets another chance at the next agent start.
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(30);

    // The engine reports modes as Go's os.FileMode, whose top bit marks a directory.
    private const uint GoModeDir = 1u << 31;

    // Background steps run execs at the same time as the foreground ones.
    private readonly ConcurrentDictionary<string, bool> knownDirectories = new(StringComparer.Ordinal);
    private readonly List<string> serviceContainerIds = [];
    private int disposed;

    public string ContainerId => containerId;

    public string Description
    {
        get
        {
            lock (serviceContainerIds)
                return $"docker: primary container {containerId}" + (serviceContainerIds.Count == 0 ? "" : $", service containers {string.Join(", ", serviceContainerIds)}");
        }
    }

    /// <summary>Records a service container as part of this environment, so disposing removes it.</summary>
    internal void AddServiceContainer(string id)
    {
        lock (serviceContainerIds) serviceContainerIds.Add(id);
    }
    public string HomeDirectory { get; private set; } = "/root";

    private IExecutionEnvironment Self => this;

    /// <summary>
    /// Asks the container for $HOME (the engine sets it from /etc/passwd), falling back to the
    /// image's HOME or the usual place for the user when the image has no shell.
    /// </summary>
    internal async Task DiscoverHomeAsync(ImageInspectResponse image, CancellationToken cancellationToken)
    {
        var fallback = image.Config?.Env?.FirstOrDefault(e => e.StartsWith("HOME=", StringComparison.Ordinal))?[5..]
            ?? (string.IsNullOrEmpty(user) || user is "root" or "0" ? "/root" : $"/home/{user}");
        var printed = new System.Text.StringBuilder();
        int exitCode;
        try
        {
            exitCode = await ExecAsync(["/bin/sh", "-c", "printf '%s\\n' \"$HOME\""], [], null, text => printed.Append(text), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ExecutorException)
        {
            exitCode = -1;
        }
        var home = printed.ToString().Trim();
        if (exitCode != 0 || !home.StartsWith('/')) home = fallback;
        HomeDirectory = home.Length > 1 ? home.TrimEnd('/') : home;
    }

    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        await StatAsync(Self.ResolvePath(path), cancellationToken).ConfigureAwait(false) is { } stat && (stat.Mode & GoModeDir) == 0;

    public async Task CopyDirectoryAsync(string hostDirectory, string path, CancellationToken cancellationToken)
    {
        var target = Self.ResolvePath(path);
        // Through a temporary file (deleted on close): a repository can be larger than we want to hold in memory.
        var archive = Path.Combine(Path.GetTempPath(), $"circleactors-copy-{Guid.NewGuid():N}.tar");
        await using var stream = new FileStream(archive, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        // Entries named from the root and extracted there: the engine makes the folders missing on
        // the way (0755, owned by root, as EnsureDirectoryAsync would), so a checkout is one call
        // to the engine rather than three.
        await using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
            await HostTree.WriteTreeAsync(writer, new DirectoryInfo(hostDirectory), target == "/" ? "" : target.TrimStart('/') + "/", cancellationToken).ConfigureAwait(false);
        stream.Position = 0;
        await executor.Engine(() => client.Containers.ExtractArchiveToContainerAsync(containerId,
            new ContainerPathStatParameters { Path = "/", AllowOverwriteDirWithFile = false }, stream, cancellationToken), null).ConfigureAwait(false);
        knownDirectories.TryAdd(target, true);
    }

    public async Task<bool> CopyOutAsync(string path, string hostPath, CancellationToken cancellationToken)
    {
        var source = Self.ResolvePath(path);
        if (await StatAsync(source, cancellationToken).ConfigureAwait(false) is null) return false;
        var archive = await executor.Engine(() => client.Containers.GetArchiveFromContainerAsync(containerId,
            new GetArchiveFromContainerParameters { Path = source }, statOnly: false, cancellationToken), null).ConfigureAwait(false);
        // Through a temporary file (deleted on close): the engine's stream ends before a tar
        // reader expects it to, and a tree can be larger than we want to hold in memory.
        var spool = Path.Combine(Path.GetTempPath(), $"circleactors-copy-{Guid.NewGuid():N}.tar");
        await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        await using (archive.Stream.ConfigureAwait(false))
            await archive.Stream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        await HostTree.ExtractUnderAsync(file, hostPath, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<int> RunAsync(CommandRequest command, Action<string> output, CancellationToken cancellationToken)
    {
        var directory = Self.ResolvePath(command.WorkingDirectory);
        await EnsureDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        var marker = Guid.NewGuid().ToString("N");
        var environment = command.Environment.Select(e => $"{e.Key}={e.Value}").Append($"{StepMarkerVariable}={marker}").ToList();
        return await ExecAsync(command.Argv, environment, directory, output, cancellationToken, marker).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one exec and streams its output. The engine has no call that kills an exec's process
    /// tree, so cancelling kills the processes carrying the step's <paramref name="marker"/> from
    /// inside the container, and kills the whole container when that does not end the exec in
    /// time (or the exec has no marker).
    /// </summary>
    private async Task<int> ExecAsync(IReadOnlyList<string> argv, IList<string> environment, string? workingDirectory, Action<string> output,
        CancellationToken cancellationToken, string? marker = null)
    {
        var exec = await executor.Engine(() => client.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = argv.ToList(),
            Env = environment,
            WorkingDir = workingDirectory,
            User = user,
            AttachStdout = true,
            AttachStderr = true,
            AttachStdin = false,
            Tty = false,
        }, cancellationToken), null).ConfigureAwait(false);

        var stopping = new Lazy<Task>(() => marker is null ? KillAsync() : StopExecAsync(exec.ID, marker));
        using var kill = cancellationToken.Register(() => _ = stopping.Value);
        try
        {
            using var stream = await executor.Engine(() => client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, cancellationToken), null)
                .ConfigureAwait(false);
            var stdout = new LineAssembler(output);
            var stderr = new LineAssembler(output);
            var buffer = new byte[8192];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF) break;
                (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Write(buffer.AsSpan(0, read.Count));
            }
            stdout.Flush();
            stderr.Flush();
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            // The stream broke (or the read gave up) for the cancellation: return once the step's processes are gone.
            await stopping.Value.ConfigureAwait(false);
            throw new OperationCanceledException("the step was canceled", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            throw new ExecutorException($"lost the Docker engine while the step ran: {ex.Message}", ex);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            await stopping.Value.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        // The stream ends when the process closes its output; the engine may record the exit a moment later.
        for (var attempt = 0; ; attempt++)
        {
            var inspect = await executor.Engine(() => client.Exec.InspectContainerExecAsync(exec.ID, cancellationToken), null).ConfigureAwait(false);
            if (!inspect.Running || attempt >= 50) return (int)inspect.ExitCode;
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Kills every process of the step (those whose environment carries its marker) as root in the
    /// container, twice over to catch what forked meanwhile, and waits for the exec to end; kills
    /// the container when that does not work within the budget (no grep in the image, a stuck engine).
    /// </summary>
    private async Task StopExecAsync(string execId, string marker)
    {
        using var budget = new CancellationTokenSource(StepKillBudget);
        try
        {
            var script = $"for round in 1 2; do for p in /proc/[0-9]*; do " +
                         $"if grep -qF '{StepMarkerVariable}={marker}' \"$p/environ\" 2>/dev/null; then kill -9 \"${{p#/proc/}}\" 2>/dev/null; fi; done; done";
            var killer = await client.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
            {
                Cmd = ["/bin/sh", "-c", script], User = "0", AttachStdout = true, AttachStderr = true,
            }, budget.Token).ConfigureAwait(false);
            using (var stream = await client.Exec.StartAndAttachContainerExecAsync(killer.ID, tty: false, budget.Token).ConfigureAwait(false))
            {
                var buffer = new byte[1024];
                while (!(await stream.ReadOutputAsync(buffer, 0, buffer.Length, budget.Token).ConfigureAwait(false)).EOF) { }
            }
            while (true)
            {
                if (!(await client.Exec.InspectContainerExecAsync(execId, budget.Token).ConfigureAwait(false)).Running) return;
                await Task.Delay(50, budget.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Out of time or refused: the container goes instead.
        }
        await KillAsync().ConfigureAwait(false);
    }

    private async Task KillAsync()
    {
        try
        {
            await client.Containers.KillContainerAsync(containerId, new ContainerKillParameters { Signal = "KILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already stopped or gone; DisposeAsync removes it either way.
        }
    }

    /// <summary>
    /// Creates a directory through the archive API rather than <c>mkdir -p</c>, so it works in
    /// images without a shell. Existing directories are left alone: extracting an entry over
    /// one would reset its mode (e.g. /tmp's sticky bit).
    /// </summary>
    private async Task EnsureDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        if (directory == "/" || knownDirectories.ContainsKey(directory)) return;
        if (await StatAsync(directory, cancellationToken).ConfigureAwait(false) is null)
        {
            using var archive = new MemoryStream();
            await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                // The engine creates missing parents itself.
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, directory.TrimStart('/') + "/")
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                           UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                    ModificationTime = DateTimeOffset.UtcNow,
                }, cancellationToken).ConfigureAwait(false);
            }
            archive.Position = 0;
            await executor.Engine(() => client.Containers.ExtractArchiveToContainerAsync(containerId,
                new ContainerPathStatParameters { Path = "/" }, archive, cancellationToken), null).ConfigureAwait(false);
        }
        knownDirectories.TryAdd(directory, true);
    }

    private async Task<ContainerPathStatResponse?> StatAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.Containers.GetArchiveFromContainerAsync(containerId,
                new GetArchiveFromContainerParameters { Path = path }, statOnly: true, cancellationToken).ConfigureAwait(false);
            return response.Stat;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            throw new ExecutorException($"cannot read {path} in container {containerId[..12]}: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        using var timeout = new CancellationTokenSource(RemoveTimeout);
        string[] services;
        lock (serviceContainerIds) services = serviceContainerIds.ToArray();
        // Services first: they live in the primary's network namespace.
        await Task.WhenAll(services.Select(id => RemoveAsync(id, timeout.Token))).ConfigureAwait(false);
        await RemoveAsync(containerId, timeout.Token).ConfigureAwait(false);
        if (remoteDocker is not null) await remoteDocker.DisposeAsync().ConfigureAwait(false);
    }

    public Task<IReadOnlyDictionary<string, string>> StartRemoteDockerAsync(Action<string> say, CancellationToken cancellationToken) =>
        remoteDocker?.StartAsync(say, cancellationToken)
        ?? throw new ExecutorException($"setup_remote_docker needs the agent's Docker engine on the agent's own host (a unix socket), not {executor.Endpoint}");

    private async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Never throws (the contract); a container left here is labelled and RemoveLeftoversAsync removes it.
        }
    }
}
