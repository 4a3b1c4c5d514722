using System.Diagnostics;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary><c>circleactors ops ARGS</c> as a real process against an installation, with its address and data directory.</summary>
public static class OpsCli
{
    /// <summary>The exit code, and standard output followed by standard error.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(Installation installation, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "circleactors.dll"));
        start.ArgumentList.Add("ops");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add(installation.BaseUrl);
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(installation.DataDirectory);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Standard output of a command that must succeed.</summary>
    public static async Task<string> OkAsync(Installation installation, params string[] args)
    {
        var (exit, text) = await RunAsync(installation, args);
        Assert.True(exit == 0, $"ops {string.Join(' ', args)} exited {exit}:\n{text}");
        return text;
    }

    /// <summary>Runs the command until its output meets <paramref name="condition"/> (60 s).</summary>
    public static async Task<string> UntilAsync(Installation installation, string[] args, Func<string, bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        var last = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = (await RunAsync(installation, args)).Output;
            if (condition(last)) return last;
            await Task.Delay(300);
        }
        throw new TimeoutException($"{what}; last output of ops {string.Join(' ', args)}:\n{last}");
    }
}
