using Akka.Actor;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;
using CircleActors.Domain.TestResults;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Actors.TestResults;

/// <summary>
/// The test results of one job, journaled batch by batch as its agents store them (the
/// timings of earlier runs are read elsewhere: <see cref="TestTimingsReader"/>). It holds no
/// unfinished work: it passivates when idle and wakes for the next batch.
/// </summary>
public sealed class TestResultsEntity : AggregateEntity<TestResultsState, ITestResultsCommand, ITestResultsEvent>
{
    public const string PersistencePrefix = "test-results-";

    public TestResultsEntity(string entityId, IClock clock)
        : base(PersistencePrefix + entityId, TestResultsState.Empty(new JobId(Guid.Parse(entityId))), clock)
    {
    }

    public static Props PropsFor(string entityId, IClock clock) => Props.Create(() => new TestResultsEntity(entityId, clock));

    protected override TestResultsState Apply(TestResultsState state, ITestResultsEvent @event) => state.Apply(@event);

    protected override Decision<ITestResultsEvent> Decide(TestResultsState state, ITestResultsCommand command, DateTimeOffset now) => command switch
    {
        TestResultsCommands.RecordTestResults record => TestResultsDecider.Decide(state, record, now),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown test results command"),
    };

    protected override bool HasUnfinishedWork => false;
}

public sealed class TestResultsMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is ITestResultsMessage m ? m.JobId.Value.ToString() : null;
}

/// <summary>Registry key of the test results shard region.</summary>
public sealed class TestResultsRegion;
