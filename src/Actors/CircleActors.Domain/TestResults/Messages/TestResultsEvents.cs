using CircleActors.Domain.Common;

namespace CircleActors.Domain.TestResults.Messages;

public interface ITestResultsEvent
{
    JobId JobId { get; }
    DateTimeOffset At { get; }
}

public static class TestResultsEvents
{
    /// <summary>A batch of test cases of one step of one task attempt was stored.</summary>
    public sealed record TestResultsRecorded(
        JobId JobId,
        ProjectSlug Project,
        long JobNumber,
        string JobName,
        int TaskIndex,
        int Attempt,
        int StepIndex,
        int Batch,
        IReadOnlyList<TestCaseResult> Cases,
        DateTimeOffset At) : ITestResultsEvent;
}
