using System.Diagnostics;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// A program on a real pseudo-terminal (a detached tmux session): keys in, the screen out.
/// Each session has a tmux server of its own (<c>-L</c>): on the shared default server, one
/// spec ending its last session stops the server while another spec's new-session is joining
/// it, and that new-session fails with "server exited unexpectedly".
/// </summary>
public sealed class TmuxSession : IDisposable
{
    private readonly string _name = "ca-e2e-" + Guid.NewGuid().ToString("N")[..10];

    public TmuxSession(IEnumerable<string> command) =>
        Tmux(["new-session", "-d", "-s", _name, "-x", "200", "-y", "60", string.Join(' ', command.Select(Quote))]);

    /// <summary>Keys as tmux names them: text, <c>Tab</c>, <c>Enter</c>, <c>Up</c>, <c>C-d</c>.</summary>
    public void Send(params string[] keys) => Tmux(["send-keys", "-t", _name, .. keys]);

    public string Screen() => Tmux(["capture-pane", "-p", "-t", _name]);

    public async Task<string> WaitForAsync(Func<string, bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        var screen = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            screen = Screen();
            if (condition(screen)) return screen;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{what}; the screen:\n{screen}");
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    private string Tmux(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_name);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error}");
        return output;
    }

    public void Dispose()
    {
        try
        {
            // tmux leaves its socket file behind when its server is killed.
            var socket = Tmux(["display-message", "-p", "#{socket_path}"]).Trim();
            Tmux(["kill-server"]);
            File.Delete(socket);
        }
        catch (InvalidOperationException) { }
    }
}
