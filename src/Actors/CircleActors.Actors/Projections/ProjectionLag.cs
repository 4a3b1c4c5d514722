using CircleActors.Actors.Persistence;

namespace CircleActors.Actors.Projections;

/// <summary>How far the read side trails the journal, counted in events not yet projected.</summary>
public static class ProjectionLag
{
    /// <summary>Summed over every (projection, tag) stream: each reads its tag from its own stored offset.</summary>
    public static async Task<long> EventsBehindAsync(JournalSettings journal, ReadStore store, IReadOnlyList<IProjection> projections, CancellationToken ct = default)
    {
        await using var connection = await JournalStorage.OpenAsync(journal, ct);
        long behind = 0;
        foreach (var projection in projections)
        foreach (var tag in projection.Tags)
            behind += await JournalStorage.EventsAfterAsync(connection, tag, await store.GetOffsetAsync(ProjectorActor.StreamName(projection, tag), ct), ct);
        return behind;
    }
}
