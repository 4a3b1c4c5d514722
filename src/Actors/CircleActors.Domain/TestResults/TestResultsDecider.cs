using CircleActors.Domain.Common;
using CircleActors.Domain.TestResults.Messages;
using static CircleActors.Domain.TestResults.Messages.TestResultsCommands;
using static CircleActors.Domain.TestResults.Messages.TestResultsEvents;

namespace CircleActors.Domain.TestResults;

/// <summary>Decides whether a batch of test cases is stored: once per batch, and only a batch of sane size.</summary>
public static class TestResultsDecider
{
    /// <summary>The most cases one batch (one journal event) may hold; the agent sends larger reports in several.</summary>
    public const int MaxCasesPerBatch = 500;

    public static Decision<ITestResultsEvent> Decide(TestResultsState state, RecordTestResults command, DateTimeOffset now)
    {
        if (command.JobId != state.Id)
            return Decision<ITestResultsEvent>.Reject(RejectionKind.Invalid, $"these are the test results of job {state.Id}, not {command.JobId}");
        if (command.TaskIndex < 0 || command.Attempt < 1 || command.StepIndex < 1 || command.Batch < 0)
            return Decision<ITestResultsEvent>.Reject(RejectionKind.Invalid, "task, attempt, step and batch must name a step of a task attempt");
        if (command.Cases.Count > MaxCasesPerBatch)
            return Decision<ITestResultsEvent>.Reject(RejectionKind.Invalid, $"a batch holds at most {MaxCasesPerBatch} test cases, not {command.Cases.Count}");
        if (state.Has(command.TaskIndex, command.Attempt, command.StepIndex, command.Batch))
            return Decision<ITestResultsEvent>.Ignore(Accepted.Instance);
        return new([new TestResultsRecorded(command.JobId, command.Project, command.JobNumber, command.JobName, command.TaskIndex,
            command.Attempt, command.StepIndex, command.Batch, command.Cases, now)], Accepted.Instance);
    }
}
