using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CircleActors.Actors.Serialization;
using Microsoft.Data.Sqlite;

namespace CircleActors.Actors.Projections;

/// <summary>Reads and writes the <c>read_documents</c> table.</summary>
public sealed class ReadDocuments(ReadStore store)
{
    /// <param name="Offset">The journal offset of the last event the document reflects.</param>
    public sealed record Row(string Kind, string Id, string? Project, long? Number, string? ParentId, string? Status, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt, long Offset);

    /// <summary>The journal offset each existing document of one kind with the given ids reflects (0 for a document written before offsets were kept).</summary>
    public static async Task<Dictionary<string, long>> LoadOffsetsAsync(DbConnection connection, DbTransaction? transaction, string kind,
        IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using var command = ByIds(connection, transaction, "id, COALESCE(last_offset, 0)", kind, ids);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var offsets = new Dictionary<string, long>(ids.Count);
        while (await reader.ReadAsync(ct)) offsets[reader.GetString(0)] = reader.GetInt64(1);
        return offsets;
    }

    /// <summary>
    /// The JSON of the documents of one kind with the given ids that exist, as UTF-8 bytes, for the
    /// projection that folds events into them. Bytes, not strings: a 400-job workflow's document is
    /// 62,000 characters, and as a string each read and each write of it was a 124 KB object on
    /// the large-object heap.
    /// </summary>
    public static async Task<Dictionary<string, byte[]>> LoadUtf8JsonAsync(DbConnection connection, DbTransaction? transaction, string kind,
        IReadOnlyList<string> ids, CancellationToken ct)
    {
        var bytes = connection is SqliteConnection ? "CAST(document AS BLOB)" : "convert_to(document, 'UTF8')";
        await using var command = ByIds(connection, transaction, $"id, {bytes}", kind, ids);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var documents = new Dictionary<string, byte[]>(ids.Count);
        while (await reader.ReadAsync(ct)) documents[reader.GetString(0)] = reader.GetFieldValue<byte[]>(1);
        return documents;
    }

    private static DbCommand ByIds(DbConnection connection, DbTransaction? transaction, string columns, string kind, IReadOnlyList<string> ids) =>
        ReadStore.Command(connection, transaction,
            $"SELECT {columns} FROM read_documents WHERE kind = @k AND id IN ({string.Join(", ", ids.Select((_, i) => "@i" + i))})",
            ids.Select((id, i) => ("i" + i, (object?)id)).Prepend(("k", kind)).ToArray());

    /// <summary>
    /// Stores documents given as UTF-8 JSON, with one statement prepared once for all of them; the
    /// column stays text, so every reader gets a string.
    /// </summary>
    public static async Task UpsertAsync(DbConnection connection, DbTransaction transaction, IEnumerable<(Row Row, byte[] Utf8Json)> documents, CancellationToken ct)
    {
        var text = connection is SqliteConnection ? "CAST(@document AS TEXT)" : "convert_from(@document, 'UTF8')";
        await using var command = ReadStore.Command(connection, transaction, $"""
            INSERT INTO read_documents (kind, id, project, number, parent_id, status, document, created_at, updated_at, last_offset)
            VALUES (@kind, @id, @project, @number, @parent, @status, {text}, @created, @updated, @offset)
            ON CONFLICT (kind, id) DO UPDATE SET project = excluded.project, number = excluded.number, parent_id = excluded.parent_id,
              status = excluded.status, document = excluded.document, updated_at = excluded.updated_at, last_offset = excluded.last_offset
            """,
            ("kind", null), ("id", null), ("project", null), ("number", null), ("parent", null),
            ("status", null), ("document", null), ("created", null), ("updated", null), ("offset", null));
        void Set(string name, object? value) => command.Parameters["@" + name].Value = value ?? DBNull.Value;
        foreach (var (row, json) in documents)
        {
            Set("kind", row.Kind); Set("id", row.Id); Set("project", row.Project); Set("number", row.Number); Set("parent", row.ParentId);
            Set("status", row.Status); Set("document", json); Set("created", Timestamp(row.CreatedAt)); Set("updated", Timestamp(row.UpdatedAt)); Set("offset", row.Offset);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The condition that leaves out the documents of deleted pipelines, for every read but the projection's own.</summary>
    private const string Visible = "NOT EXISTS (SELECT 1 FROM deleted_documents d WHERE d.kind = read_documents.kind AND d.id = read_documents.id)";

    /// <summary>
    /// Hides a deleted pipeline's documents: the pipeline's, its workflows' and their jobs'. Run
    /// again when a workflow or job document first appears, since the streams of the three kinds
    /// are projected independently and a child may arrive after its pipeline was deleted.
    /// </summary>
    public static async Task HidePipelineTreeAsync(DbConnection connection, DbTransaction transaction, string pipelineId, bool deleting, CancellationToken ct)
    {
        if (deleting)
        {
            await using var pipeline = ReadStore.Command(connection, transaction,
                "INSERT INTO deleted_documents (kind, id) VALUES (@k, @p) ON CONFLICT (kind, id) DO NOTHING", ("k", DocumentProjection.PipelineKind), ("p", pipelineId));
            await pipeline.ExecuteNonQueryAsync(ct);
        }
        await using var tree = ReadStore.Command(connection, transaction, """
            INSERT INTO deleted_documents (kind, id)
            SELECT kind, id FROM read_documents
            WHERE EXISTS (SELECT 1 FROM deleted_documents WHERE kind = @pk AND id = @p)
              AND ((kind = @wk AND parent_id = @p) OR (kind = @jk AND parent_id IN (SELECT id FROM read_documents WHERE kind = @wk AND parent_id = @p)))
            ON CONFLICT (kind, id) DO NOTHING
            """,
            ("pk", DocumentProjection.PipelineKind), ("wk", DocumentProjection.WorkflowKind), ("jk", DocumentProjection.JobKind), ("p", pipelineId));
        await tree.ExecuteNonQueryAsync(ct);
    }

    /// <summary>True when the document belongs to a deleted pipeline.</summary>
    public async Task<bool> IsDeletedAsync(string kind, string id, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, "SELECT 1 FROM deleted_documents WHERE kind = @k AND id = @i", ("k", kind), ("i", id));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<T?> GetAsync<T>(string kind, string id, CancellationToken ct = default) where T : class =>
        (await QueryAsync<T>($"SELECT document FROM read_documents WHERE kind = @k AND id = @i AND {Visible}", ct, ("k", kind), ("i", id))).FirstOrDefault();

    /// <summary>Every project that has a document of <paramref name="kind"/>, by slug.</summary>
    public async Task<IReadOnlyList<string>> ProjectsAsync(string kind, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, "SELECT DISTINCT project FROM read_documents WHERE kind = @k AND project IS NOT NULL ORDER BY project", ("k", kind));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var projects = new List<string>();
        while (await reader.ReadAsync(ct)) projects.Add(reader.GetString(0));
        return projects;
    }

    /// <summary>The lookup columns of a document: its project and its parent (a job's workflow, a workflow's pipeline).</summary>
    public async Task<(string? Project, string? ParentId)?> LocateAsync(string kind, string id, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, "SELECT project, parent_id FROM read_documents WHERE kind = @k AND id = @i", ("k", kind), ("i", id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    public async Task<IReadOnlyList<T>> ChildrenAsync<T>(string kind, string parentId, CancellationToken ct = default) =>
        await QueryAsync<T>($"SELECT document FROM read_documents WHERE kind = @k AND parent_id = @p AND {Visible} ORDER BY created_at, number", ct, ("k", kind), ("p", parentId));

    /// <param name="includeDeleted">Find a deleted pipeline's document too (deleting it again answers as the first deletion did).</param>
    public async Task<T?> ByNumberAsync<T>(string kind, string project, long number, bool includeDeleted = false, CancellationToken ct = default) where T : class =>
        (await QueryAsync<T>($"SELECT document FROM read_documents WHERE kind = @k AND project = @p AND number = @n{(includeDeleted ? "" : $" AND {Visible}")}", ct,
            ("k", kind), ("p", project), ("n", number))).FirstOrDefault();

    /// <summary>Whether the project has any document of <paramref name="kind"/>, deleted pipelines' included.</summary>
    public async Task<bool> AnyAsync(string kind, string project, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, "SELECT 1 FROM read_documents WHERE kind = @k AND project = @p LIMIT 1", ("k", kind), ("p", project));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<IReadOnlyList<T>> RecentAsync<T>(string kind, string project, int limit, CancellationToken ct = default) =>
        await QueryAsync<T>($"SELECT document FROM read_documents WHERE kind = @k AND project = @p AND {Visible} ORDER BY number DESC LIMIT {limit}", ct,
            ("k", kind), ("p", project));

    /// <summary>How many documents of a kind have each status.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(string kind, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, "SELECT status, COUNT(*) FROM read_documents WHERE kind = @k GROUP BY status", ("k", kind));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync(ct))
            if (!reader.IsDBNull(0)) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>Documents of a project whose status is one of <paramref name="statuses"/>.</summary>
    public Task<IReadOnlyList<T>> WithStatusAsync<T>(string kind, string project, IReadOnlyList<string> statuses, CancellationToken ct = default) =>
        WithStatusAsync<T>(kind, project, statuses, limit: null, ct);

    /// <summary>Documents of any project whose status is one of <paramref name="statuses"/>, most recently updated first.</summary>
    public Task<IReadOnlyList<T>> WithStatusEverywhereAsync<T>(string kind, IReadOnlyList<string> statuses, int limit, CancellationToken ct = default) =>
        WithStatusAsync<T>(kind, project: null, statuses, limit, ct);

    private async Task<IReadOnlyList<T>> WithStatusAsync<T>(string kind, string? project, IReadOnlyList<string> statuses, int? limit, CancellationToken ct)
    {
        var names = statuses.Select((_, i) => "@s" + i).ToList();
        var parameters = new List<(string, object?)> { ("k", kind) };
        if (project is not null) parameters.Add(("p", project));
        parameters.AddRange(statuses.Select((s, i) => ("s" + i, (object?)s)));
        var sql = $"SELECT document FROM read_documents WHERE kind = @k {(project is null ? "" : "AND project = @p ")}AND status IN ({string.Join(", ", names)}) AND {Visible}"
            + (limit is { } n ? $" ORDER BY updated_at DESC LIMIT {n}" : "");
        return await QueryAsync<T>(sql, ct, parameters.ToArray());
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var results = new List<T>();
        while (await reader.ReadAsync(ct))
            results.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), DomainSerializer.Options)!);
        return results;
    }

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
