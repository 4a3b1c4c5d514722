using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Docker.DotNet;

namespace CircleActors.Agent.Executors.Docker;

/// <summary>An environment that can give its job a Docker engine of its own (<c>setup_remote_docker</c>).</summary>
public interface IRemoteDockerHost
{
    /// <summary>Starts the job's engine (once; a second call finds it running) and returns the variables later steps get.</summary>
    /// <exception cref="ExecutorException">The engine could not be started; the task is an infrastructure failure.</exception>
    Task<IReadOnlyDictionary<string, string>> StartRemoteDockerAsync(Action<string> say, CancellationToken cancellationToken);
}

/// <summary>
/// One job's own Docker engine: a <c>dockerd</c> on the agent's host in its own network namespace,
/// with its own data root, exec root (and so its own containerd), pid file and socket, so it
/// shares no container, image, network or socket with the agent's engine or another job's, and
/// its containers have no route out. Only its socket's directory is mounted into the job's primary container, from the start
/// (a mount cannot be added later); the daemon starts when the step runs and is stopped, and its
/// directories removed, when the environment goes, also on cancel. See docs/decisions/remote-docker.md.
/// </summary>
internal sealed class RemoteDockerEngine : IAsyncDisposable
{
    /// <summary>Where the job sees the socket's directory.</summary>
    public const string ContainerDirectory = "/var/run/circleactors-remote-docker";

    private const string SocketName = "docker.sock";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    // dockerd stops its containers within its --shutdown-timeout (2 s) and unmounts their layers.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private const string PidFile = "dockerd.pid";

    // Short, because a unix socket path (containerd's, under the exec root) may not exceed 107 bytes;
    // named after the agent, so a restarted agent finds its own leftovers and no other agent's.
    private readonly DirectoryInfo root;
    private readonly SemaphoreSlim gate = new(1, 1);
    // The daemon's last lines, kept for a failure's message only: they say why it would not start.
    private readonly ConcurrentQueue<string> log = new();
    private Process? daemon;

    public RemoteDockerEngine(string agentName) => root = Directory.CreateTempSubdirectory(Prefix(agentName));

    public string HostSocketDirectory => Path.Combine(root.FullName, "run");

    private static string Prefix(string agentName) =>
        "ca-rd-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(agentName)))[..8].ToLowerInvariant() + "-";

    /// <summary>
    /// Stops the engines an earlier run of the agent named <paramref name="agentName"/> left
    /// running (it crashed before disposing them) and removes their directories.
    /// </summary>
    /// <returns>How many were removed.</returns>
    public static async Task<int> RemoveLeftoversAsync(string agentName)
    {
        var removed = 0;
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix(agentName) + "*"))
        {
            if (DaemonOf(directory) is { } leftover)
                using (leftover)
                    await StopAsync(leftover).ConfigureAwait(false);
            if (TryDelete(new DirectoryInfo(directory))) removed++;
        }
        return removed;
    }

    /// <summary>The daemon its pid file names, if it still runs and is that directory's (a pid may have been reused).</summary>
    private static Process? DaemonOf(string directory)
    {
        try
        {
            var pid = int.Parse(File.ReadAllText(Path.Combine(directory, PidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains(directory, StringComparison.Ordinal) ? Process.GetProcessById(pid) : null;
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or UnauthorizedAccessException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>The bind that shows the socket's directory to the job, made before the daemon runs.</summary>
    public string Bind()
    {
        Directory.CreateDirectory(HostSocketDirectory);
        return $"{HostSocketDirectory}:{ContainerDirectory}";
    }

    public async Task<IReadOnlyDictionary<string, string>> StartAsync(Action<string> say, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{ContainerDirectory}/{SocketName}" };
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (daemon is { HasExited: false })
            {
                say("This job's Docker engine is already running\n");
                return variables;
            }
            var socket = Path.Combine(HostSocketDirectory, SocketName);
            daemon = Start(socket);
            await WaitUntilAnswersAsync(socket, cancellationToken).ConfigureAwait(false);
            // The directory is this job's alone (mounted into its container only), so the job's user, whoever it is, may use the socket.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
                | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            say($"Started a Docker engine for this job alone (data in {root.FullName}); DOCKER_HOST={variables["DOCKER_HOST"]}\n");
            return variables;
        }
        finally
        {
            gate.Release();
        }
    }

    private Process Start(string socket)
    {
        // In a network namespace of its own: its docker0 and iptables rules are its own, and the host's
        // are untouched (a dockerd in the host's namespace would take over, or with --bridge=none delete, the host's docker0).
        // unshare execs dockerd, so the process is the daemon itself and a SIGTERM reaches it.
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "--net", "--", "dockerd", "--host", $"unix://{socket}", "--data-root", Path.Combine(root.FullName, "data"),
                     "--exec-root", Path.Combine(root.FullName, "exec"), "--pidfile", Path.Combine(root.FullName, PidFile), "--shutdown-timeout", "2",
                 })
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        void Keep(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            log.Enqueue(e.Data);
            while (log.Count > 20) log.TryDequeue(out var _);
        }
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new ExecutorException($"setup_remote_docker needs unshare and dockerd on this agent's host: {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilAnswersAsync(string socket, CancellationToken cancellationToken)
    {
        using var client = new DockerClientConfiguration(new Uri($"unix://{socket}")).CreateClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (daemon!.HasExited)
                throw new ExecutorException($"this job's Docker engine exited with code {daemon.ExitCode}: {string.Join(" | ", log)}");
            try
            {
                await client.System.PingAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException or DockerApiException or TimeoutException)
            {
                if (clock.Elapsed > StartTimeout)
                    throw new ExecutorException($"this job's Docker engine did not answer within {StartTimeout.TotalSeconds:0} s: {string.Join(" | ", log)}", ex);
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the daemon and removes its directories.</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (daemon is { } running)
            {
                await StopAsync(running).ConfigureAwait(false);
                running.Dispose();
                daemon = null;
            }
            TryDelete(root);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>SIGTERM, so the daemon stops its containers and unmounts their layers; SIGKILL if it hangs.</summary>
    private static async Task StopAsync(Process daemon)
    {
        if (daemon.HasExited) return;
        if (OperatingSystem.IsLinux()) _ = Kill(daemon.Id, SigTerm);
        using var stop = new CancellationTokenSource(StopTimeout);
        try
        {
            await daemon.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static bool TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A layer left mounted (the daemon was killed) keeps files busy; the host's temp cleaner takes the rest.
            Trace.TraceWarning($"could not remove {directory.FullName}: {ex.Message}");
            return false;
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
