using System.Data.Common;
using Akka.Persistence.Query;

namespace CircleActors.Actors.Projections;

/// <summary>
/// Turns journaled events into rows. It runs inside the transaction that also stores the
/// projection's offset, so each event takes effect exactly once even across crashes.
/// </summary>
public interface IProjection
{
    /// <summary>The name its offsets are stored under, one per tag it reads.</summary>
    string Name { get; }

    IReadOnlyList<string> Tags { get; }

    /// <summary>Applies a batch of one tag's events, in journal order.</summary>
    Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct);
}
