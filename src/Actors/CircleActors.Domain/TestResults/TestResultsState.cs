using System.Collections.Immutable;
using CircleActors.Domain.Common;
using CircleActors.Domain.TestResults.Messages;
using static CircleActors.Domain.TestResults.Messages.TestResultsEvents;

namespace CircleActors.Domain.TestResults;

/// <summary>
/// What is stored of one job's test results: which batches arrived (so a repeated batch is
/// recognised) and how many cases they held. The cases themselves live in the events and the
/// read side, never in the state, so the entity stays small however many tests a job has.
/// </summary>
public sealed record TestResultsState(JobId Id, ImmutableHashSet<string> Batches, int CaseCount)
{
    public static TestResultsState Empty(JobId id) => new(id, ImmutableHashSet<string>.Empty, 0);

    public static string BatchKey(int taskIndex, int attempt, int stepIndex, int batch) => $"{taskIndex}/{attempt}/{stepIndex}/{batch}";

    public bool Has(int taskIndex, int attempt, int stepIndex, int batch) => Batches.Contains(BatchKey(taskIndex, attempt, stepIndex, batch));

    public TestResultsState Apply(ITestResultsEvent @event) => @event switch
    {
        TestResultsRecorded e when e.JobId == Id && !Has(e.TaskIndex, e.Attempt, e.StepIndex, e.Batch) => this with
        {
            Batches = Batches.Add(BatchKey(e.TaskIndex, e.Attempt, e.StepIndex, e.Batch)),
            CaseCount = CaseCount + e.Cases.Count,
        },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to the test results of job {Id}"),
    };
}
