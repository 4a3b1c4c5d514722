using System.Globalization;
using System.Text;
using CircleActors.Agent.Executors;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Agent.Steps.TestResults;

/// <summary>
/// Puts the <c>circleci</c> program (<c>tests glob</c>, <c>tests split</c>; circleci.sh beside
/// this file) into a task's environment before its first step, with the timings of the job's
/// previous run for <c>--split-by=timings</c>, and gives the variables that put it on the PATH.
/// Nothing here fails a task: without a shell or without timings, the steps still run.
/// </summary>
public static class TestSplittingTools
{
    /// <summary>Where the tools go, under the environment's home.</summary>
    public const string Directory = "~/.circleactors";

    /// <summary>The variable the program reads the timings file's path from.</summary>
    public const string TimingsVariable = "CIRCLEACTORS_TEST_TIMINGS";

    private const string ScriptResource = "CircleActors.Agent.circleci.sh";

    /// <summary>The program's text, as embedded in this assembly.</summary>
    public static string Script => EmbeddedScript.Value;

    private static readonly Lazy<string> EmbeddedScript = new(() =>
    {
        using var stream = typeof(TestSplittingTools).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"{ScriptResource} is not embedded in the agent");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The timings file: file, classname, name and seconds per test case, tab-separated, one a line.</summary>
    public static string TimingsFile(IEnumerable<TestTiming> timings)
    {
        var text = new StringBuilder();
        foreach (var t in timings)
            text.Append(Field(t.File)).Append('\t').Append(Field(t.Classname)).Append('\t').Append(Field(t.Name)).Append('\t')
                .Append(t.RunTime.ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();

        // A tab or line break inside a name would shift the columns.
        static string Field(string? value) => value is null ? "" : value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
    }

    /// <summary>Installs the tools; returns the variables every run step gets (none when the environment has no /bin/sh).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> InstallAsync(IExecutionEnvironment environment, JobTaskSpec task,
        ITestResultsChannel channel, Action<string> say, CancellationToken cancellationToken)
    {
        var timings = await TimingsAsync(task, channel, say, cancellationToken).ConfigureAwait(false);
        // Most tasks have no timings: they share one copy of the tools instead of each writing
        // and removing its own (a directory and two files per task were about a third of a
        // trivial job's cost on the fake executor).
        var shared = timings.Count == 0;
        var host = shared ? SharedToolsWithoutTimings() : WriteTools(TimingsFile(timings));
        try
        {
            var target = environment.ResolvePath(Directory);
            await environment.CopyDirectoryAsync(host.FullName, target, cancellationToken).ConfigureAwait(false);
            var searchPath = await SearchPathAsync(environment, cancellationToken).ConfigureAwait(false);
            if (searchPath is null)
            {
                say("circleci tests glob|split are not available: this environment has no /bin/sh\n");
                return new Dictionary<string, string>();
            }
            say($"circleci tests glob|split are available ({target}/bin)\n");
            return new Dictionary<string, string>
            {
                ["PATH"] = $"{target}/bin:{searchPath}",
                [TimingsVariable] = $"{target}/test-timings",
            };
        }
        finally
        {
            if (!shared) TryDelete(host, say);
        }
    }

    private static readonly Lock SharedToolsLock = new();
    private static DirectoryInfo? _sharedTools;

    /// <summary>
    /// This process's copy of the tools with an empty timings file, made on first use and again
    /// if something removed it (a temporary-files cleaner); removed when the process exits.
    /// </summary>
    private static DirectoryInfo SharedToolsWithoutTimings()
    {
        lock (SharedToolsLock)
        {
            if (_sharedTools is { } existing && File.Exists(Path.Combine(existing.FullName, "bin", "circleci"))) return existing;
            var made = WriteTools("");
            if (_sharedTools is null) AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(_sharedTools!, _ => { });
            _sharedTools = made;
            return made;
        }
    }

    /// <summary>A new private temporary directory with <c>bin/circleci</c> and the timings file.</summary>
    private static DirectoryInfo WriteTools(string timingsFile)
    {
        var host = System.IO.Directory.CreateTempSubdirectory("circleactors-tools-");
        var bin = System.IO.Directory.CreateDirectory(Path.Combine(host.FullName, "bin"));
        var program = Path.Combine(bin.FullName, "circleci");
        File.WriteAllText(program, Script);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(host.FullName, "test-timings"), timingsFile);
        return host;
    }

    private static void TryDelete(DirectoryInfo host, Action<string> say)
    {
        try { host.Delete(recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { say($"warning: could not remove {host.FullName}: {ex.Message}\n"); }
    }

    private static async Task<IReadOnlyList<TestTiming>> TimingsAsync(JobTaskSpec task, ITestResultsChannel channel, Action<string> say, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await channel.TimingsAsync(task, cancellationToken).ConfigureAwait(false);
            say(reply.JobNumber is { } number
                ? $"Test timings from job #{number}: {reply.Timings.Count} test cases\n"
                : "No earlier run of this job stored test results: tests split --split-by=timings splits by count\n");
            return reply.Timings;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            say($"warning: the test timings of earlier runs are not available ({ex.Message}); tests split --split-by=timings splits by count\n");
            return [];
        }
    }

    /// <summary>The environment's own PATH, which the tools directory goes in front of; null without a shell.</summary>
    private static async Task<string?> SearchPathAsync(IExecutionEnvironment environment, CancellationToken cancellationToken)
    {
        var printed = new StringBuilder();
        var exitCode = await environment.RunAsync(new CommandRequest(["/bin/sh", "-c"], "printf '%s\\n' \"$PATH\"", new Dictionary<string, string>(), "/"),
            text => printed.Append(text), cancellationToken).ConfigureAwait(false);
        var path = printed.ToString().Trim();
        return exitCode == 0 && path.Length > 0 ? path : null;
    }
}
