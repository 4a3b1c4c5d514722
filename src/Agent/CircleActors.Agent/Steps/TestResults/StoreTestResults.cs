using CircleActors.Agent.Executors;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.TestResults;

namespace CircleActors.Agent.Steps.TestResults;

/// <summary>
/// The <c>store_test_results</c> step: finds the JUnit XML files at the step's path in the task's
/// environment, parses them on the agent, says per file how many tests it held (or why it could
/// not be read: a corrupt report fails nothing), and stores the cases with the services in batches.
/// </summary>
public static class StoreTestResults
{
    public const string StepName = "Uploading test results";

    /// <summary>A report larger than this is left out: JUnit files are small, and this one is surely something else.</summary>
    public const long MaxReportBytes = 16 * 1024 * 1024;

    public static async Task<(int ExitCode, StepOutcome Outcome)> RunAsync(StoreTestResultsStep step, int stepIndex, JobTaskSpec task,
        IExecutionEnvironment environment, ITestResultsChannel? channel, IReadOnlyList<string> secrets, Action<string> say, CancellationToken cancellationToken)
    {
        var path = environment.ResolvePath(EnvironmentPath.Combine(task.Job.WorkingDirectory, step.Path));
        var files = await EnvironmentFiles.FindAsync(environment, path, ".xml", cancellationToken).ConfigureAwait(false);
        if (files is null)
        {
            say($"{path} does not exist: no test results to store\n");
            return (0, StepOutcome.Success);
        }
        if (files.Count == 0)
        {
            say($"{path} holds no .xml files: no test results to store\n");
            return (0, StepOutcome.Success);
        }

        var cases = new List<TestCaseResult>();
        foreach (var file in files)
        {
            var source = SourceName(path, file);
            var (text, problem) = await EnvironmentFiles.ReadAsync(environment, file, MaxReportBytes, cancellationToken).ConfigureAwait(false);
            if (text is null)
            {
                say($"{source}: skipped, the file {problem}\n");
                continue;
            }
            var report = JUnitParser.Parse(source, text);
            if (report.IsCorrupt)
            {
                say($"{report.Error}; it is left out\n");
                continue;
            }
            say($"{source}: {Plural(report.Cases.Count, "test")} ({report.Count(TestOutcome.Failure) + report.Count(TestOutcome.Error)} failed, " +
                $"{report.Count(TestOutcome.Skipped)} skipped) in {Plural(report.Suites, "suite")}\n");
            // A failure's message and details often quote output: masked like the step's output.
            cases.AddRange(report.Cases.Select(c => c with
            {
                Message = SecretMasker.MaskAll(c.Message, secrets), Details = SecretMasker.MaskAll(c.Details, secrets),
            }));
        }

        if (channel is null)
        {
            say("this agent has no connection to store test results; they are not kept\n");
            return (0, StepOutcome.Success);
        }
        var batches = cases.Chunk(TestResultsDecider.MaxCasesPerBatch).ToList();
        for (var batch = 0; batch < batches.Count; batch++)
            await channel.RecordAsync(task, stepIndex, batch, batches[batch], cancellationToken).ConfigureAwait(false);
        say($"Stored {Plural(cases.Count, "test result")} from {Plural(files.Count, "file")}\n");
        return (0, StepOutcome.Success);
    }

    /// <summary>A report's name in results: its path under the stored folder, or its file name when a single file was stored.</summary>
    private static string SourceName(string storedPath, string file)
    {
        var folder = storedPath.TrimEnd('/') + "/";
        return file.StartsWith(folder, StringComparison.Ordinal) ? file[folder.Length..] : Path.GetFileName(file);
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
