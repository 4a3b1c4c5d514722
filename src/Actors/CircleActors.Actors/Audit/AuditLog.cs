using System.Globalization;
using CircleActors.Actors.Projections;
using CsvHelper;

namespace CircleActors.Actors.Audit;

/// <summary>Reads the projected audit log; the CSV export has CircleCI's columns, nested data as JSON.</summary>
public sealed class AuditLog(ReadStore store)
{
    public static readonly IReadOnlyList<string> Columns =
        ["id", "version", "action", "actor", "target", "payload", "occurred_at", "metadata", "scope", "success", "request"];

    public async Task<string> ExportCsvAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        // Conditions are added only when given: PostgreSQL cannot type a bare NULL parameter.
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (from is { } since)
        {
            conditions.Add("occurred_at >= @from");
            parameters.Add(("from", ReadDocuments.Timestamp(since)));
        }
        if (to is { } until)
        {
            conditions.Add("occurred_at <= @to");
            parameters.Add(("to", ReadDocuments.Timestamp(until)));
        }
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        await using var command = ReadStore.Command(connection, null,
            $"SELECT {string.Join(", ", Columns)} FROM audit_log{where} ORDER BY occurred_at, id", parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        await using var text = new StringWriter(CultureInfo.InvariantCulture);
        await using (var csv = CsvWriter.Create(text, new CsvWriterOptions(), leaveOpen: true))
        {
            await csv.WriteRecordAsync(Columns.ToArray(), ct);
            while (await reader.ReadAsync(ct))
            {
                var fields = new string[Columns.Count];
                for (var i = 0; i < fields.Length; i++)
                {
                    var value = reader.GetValue(i);
                    fields[i] = Columns[i] == "success"
                        ? Convert.ToBoolean(value, CultureInfo.InvariantCulture) ? "true" : "false"
                        : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                }
                await csv.WriteRecordAsync(fields, ct);
            }
            await csv.FlushAsync(ct);
        }
        return text.ToString();
    }
}
