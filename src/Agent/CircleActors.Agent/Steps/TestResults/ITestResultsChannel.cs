using Akka.Actor;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.TestResults;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Agent.Steps.TestResults;

/// <summary>How a task's test results reach the services nodes, and the timings of earlier runs come back.</summary>
public interface ITestResultsChannel
{
    /// <summary>Stores one batch (at most <see cref="TestResultsDecider.MaxCasesPerBatch"/> cases); returns once it is durable.</summary>
    /// <exception cref="CommandRejectedException">The services refused the batch.</exception>
    Task RecordAsync(JobTaskSpec task, int stepIndex, int batch, IReadOnlyList<TestCaseResult> cases, CancellationToken cancellationToken);

    /// <summary>The timings of the job's most recent completed run that stored test results.</summary>
    Task<TestResultsReplies.TestTimings> TimingsAsync(JobTaskSpec task, CancellationToken cancellationToken);
}

/// <summary>Over the cluster: the test results entity of the task's job, and the timings reader of its project and job name.</summary>
public sealed class ClusterTestResultsChannel(IActorRef region, IActorRef timings) : ITestResultsChannel
{
    private static readonly TimeSpan TimingsTimeout = TimeSpan.FromSeconds(10);

    public Task RecordAsync(JobTaskSpec task, int stepIndex, int batch, IReadOnlyList<TestCaseResult> cases, CancellationToken cancellationToken) =>
        Reliably.AskForAsync<Accepted>(region, new TestResultsCommands.RecordTestResults(task.JobId, task.Project, task.JobNumber, task.JobName,
            task.TaskIndex, task.Attempt, stepIndex, batch, cases), cancellationToken);

    public Task<TestResultsReplies.TestTimings> TimingsAsync(JobTaskSpec task, CancellationToken cancellationToken) =>
        timings.Ask<TestResultsReplies.TestTimings>(new TestResultsQueries.GetTestTimings(task.Project, task.JobName, task.JobNumber),
            TimingsTimeout, cancellationToken);
}
