using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CircleActors.Actors.Common;

/// <summary>Runs the <c>git</c> command line. Git's own code handles every URL form and protocol.</summary>
public static class GitCli
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(string? workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // Never prompt for credentials: a server has nobody to answer.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = "true";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A local path is given to git as-is; file:// and remote URLs too.</summary>
    public static string DirectoryNameFor(string repositoryUrl) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(repositoryUrl)))[..16].ToLowerInvariant();
}
