using System.Data.Common;
using Akka.Persistence.Query;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Actors.TestResults;

/// <summary>
/// Writes each stored test case into <c>test_results</c>. A row's id is the event's persistence
/// id, sequence number and the case's place in the batch, so a replay inserts nothing twice.
/// </summary>
public sealed class TestResultsProjection : IProjection
{
    public string Name => "test-results";

    public IReadOnlyList<string> Tags => [DomainEventTagger.TestResultsTag];

    public async Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        foreach (var envelope in batch)
            if (envelope.Event is TestResultsEvents.TestResultsRecorded recorded)
                await InsertAsync(connection, transaction, envelope, recorded, ct);
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, EventEnvelope envelope, TestResultsEvents.TestResultsRecorded recorded,
        CancellationToken ct)
    {
        for (var i = 0; i < recorded.Cases.Count; i++)
        {
            // A batch holds fewer than a thousand cases, so positions of one job never collide and sort in storing order.
            var position = envelope.SequenceNr * 1000 + i;
            await TestResultsReadModel.InsertAsync(connection, transaction, $"{envelope.PersistenceId}:{envelope.SequenceNr}:{i}", position,
                recorded, recorded.Cases[i], ct);
        }
    }
}
