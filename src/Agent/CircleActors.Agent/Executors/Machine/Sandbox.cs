namespace CircleActors.Agent.Executors.Machine;

/// <summary>
/// How a machine step is confined: run as an unprivileged account (when the agent is root) and,
/// where bubblewrap is installed, inside a sandbox that sees the host read-only, with its own
/// <c>/tmp</c>, its own process namespace, the agent's own directories hidden, and only its own
/// workspace writable. The network is shared: builds fetch dependencies.
/// </summary>
internal sealed record Sandbox(UnixAccount? RunAs, string? Bubblewrap, IReadOnlyList<string> Hidden)
{
    /// <summary>
    /// The command line that runs <paramref name="argv"/> confined to <paramref name="workspace"/>
    /// with <paramref name="tmp"/> as its /tmp, starting in <paramref name="directory"/>.
    /// </summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> argv, string workspace, string? tmp, string directory)
    {
        var wrapped = new List<string>();
        if (RunAs is { } account)
            wrapped.AddRange([FindOnPath("setpriv") ?? "setpriv", $"--reuid={account.Uid}", $"--regid={account.Gid}", "--clear-groups", "--"]);
        if (Bubblewrap is { } bwrap)
        {
            wrapped.AddRange([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]);
            wrapped.AddRange(tmp is null ? ["--tmpfs", "/tmp"] : ["--bind", tmp, "/tmp"]);
            // Later mounts go on top: hide the agent's directories (other tasks' workspaces among them), then show this one.
            foreach (var hidden in Hidden) wrapped.AddRange(["--tmpfs", hidden]);
            wrapped.AddRange(["--bind", workspace, workspace,
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--chdir", directory, "--"]);
            // Not --die-with-parent: it ties the sandbox to the thread that started it (the kernel's
            // parent-death signal follows threads), and a thread-pool thread retiring then killed a
            // step mid-run. The runner kills a step's process tree itself when it must stop.
        }
        wrapped.AddRange(argv);
        return wrapped;
    }

    /// <summary>What a task's output says about where its steps run.</summary>
    public string Describe(string workspace) =>
        $"Machine executor: workspace {workspace} on this agent's host; steps run as {(RunAs ?? UnixAccounts.Current).Name}"
        + (Bubblewrap is null
            ? " without a sandbox (bubblewrap is not installed)\n"
            : " in a bubblewrap sandbox (host read-only, private /tmp and process namespace)\n");

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/bin")
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
