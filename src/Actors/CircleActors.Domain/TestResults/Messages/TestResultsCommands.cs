using CircleActors.Domain.Common;

namespace CircleActors.Domain.TestResults.Messages;

/// <summary>A message for the test results of one job (all its tasks and attempts).</summary>
public interface ITestResultsMessage
{
    JobId JobId { get; }
}

/// <summary>A message that may change the stored test results.</summary>
public interface ITestResultsCommand : ITestResultsMessage;

public static class TestResultsCommands
{
    /// <summary>
    /// One batch of the test cases a <c>store_test_results</c> step found. The agent numbers the
    /// batches of each step from 0 and repeats a batch until it is accepted; a repeat changes nothing.
    /// </summary>
    public sealed record RecordTestResults(
        JobId JobId,
        ProjectSlug Project,
        long JobNumber,
        string JobName,
        int TaskIndex,
        int Attempt,
        int StepIndex,
        int Batch,
        IReadOnlyList<TestCaseResult> Cases) : ITestResultsCommand;
}

public static class TestResultsQueries
{
    /// <summary>
    /// The test timings a task of job <paramref name="BeforeJobNumber"/> splits its tests by: the
    /// results stored by the most recent completed earlier run of the same job (same project and
    /// job name). Answered by a reader per project and job name, not by a job's entity.
    /// </summary>
    public sealed record GetTestTimings(ProjectSlug Project, string JobName, long BeforeJobNumber);
}

public static class TestResultsReplies
{
    /// <param name="JobNumber">The run the timings come from; null when no earlier run stored results.</param>
    public sealed record TestTimings(long? JobNumber, IReadOnlyList<TestTiming> Timings);
}

/// <summary>How long one test case took, with what names it by file, class and test.</summary>
public sealed record TestTiming(string? File, string? Classname, string Name, double RunTime);
