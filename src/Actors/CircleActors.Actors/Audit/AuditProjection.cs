using System.Data.Common;
using System.Text.Json;
using Akka.Persistence.Query;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Audit;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Audit;

/// <summary>
/// The audit log, projected from journaled events: every audited event gives exactly one row,
/// whose id is derived from the event's persistence id and sequence number, so replaying the
/// journal can never duplicate a row (the insert ignores an id it already has).
/// </summary>
public sealed class AuditProjection : IProjection
{
    /// <summary>Namespace of the name-based UUIDs of audit rows.</summary>
    private static readonly Guid AuditNamespace = new("6f1d6a52-1c7e-4f57-9a2e-0a6a4c2b9d11");

    public string Name => "audit";

    public IReadOnlyList<string> Tags => DomainEventTagger.AllTags;

    /// <summary>The row id: the first row of an event is named by the event alone, further ones by their place too.</summary>
    public static Guid RowId(string persistenceId, long sequenceNr, int index = 0) =>
        DerivedIds.NameBased(AuditNamespace, index == 0 ? $"{persistenceId}#{sequenceNr}" : $"{persistenceId}#{sequenceNr}#{index}");

    public async Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        foreach (var envelope in batch)
        {
            var index = 0;
            foreach (var record in AuditActions.DescribeAll(envelope.Event))
                await InsertAsync(connection, transaction, RowId(envelope.PersistenceId, envelope.SequenceNr, index++), record, ct);
        }
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, Guid id, AuditRecord record, CancellationToken ct)
    {
        await using var command = ReadStore.Command(connection, transaction, """
            INSERT INTO audit_log (id, version, action, actor, target, payload, occurred_at, metadata, scope, success, request)
            VALUES (@id, 1, @action, @actor, @target, @payload, @at, @metadata, @scope, @success, @request)
            ON CONFLICT (id) DO NOTHING
            """,
            ("id", id.ToString()),
            ("action", record.Action),
            ("actor", Json(record.Actor)),
            ("target", Json(record.Target)),
            ("payload", Json(record.Payload)),
            ("at", ReadDocuments.Timestamp(record.OccurredAt)),
            ("metadata", Json(record.Metadata)),
            ("scope", Json(record.Scope)),
            ("success", record.Success),
            ("request", Json(record.Request)));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, AuditJson.Options);
}

internal static class AuditJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
