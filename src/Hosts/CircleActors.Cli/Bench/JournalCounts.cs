using System.Data.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Persistence;

namespace CircleActors.Cli.Bench;

/// <summary>
/// Rows in the domain journal (all of it, and the job entities' share) and in sharding's own
/// journal (remembered entities; a file of its own on SQLite), read before and after a run to count the events it wrote.
/// Table names are Akka.Persistence.Sql's defaults and those set in AkkaConfig.
/// </summary>
public sealed record JournalCounts(long Domain, long Jobs, long Sharding)
{
    public static async Task<JournalCounts> ReadAsync(JournalSettings journal, CancellationToken ct)
    {
        await using var connection = await InsertBaseline.OpenAsync(journal, ct);
        await using var sharding = await InsertBaseline.OpenAsync(journal with { ConnectionString = journal.ShardingConnectionString }, ct);
        return new JournalCounts(
            await CountAsync(connection, "SELECT COUNT(*) FROM journal", ct),
            await CountAsync(connection, $"SELECT COUNT(*) FROM journal WHERE persistence_id LIKE '{JobEntity.PersistencePrefix}%'", ct),
            await CountOrZeroAsync(sharding, "SELECT COUNT(*) FROM sharding_journal", ct));
    }

    private static async Task<long> CountOrZeroAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        try { return await CountAsync(connection, sql, ct); }
        catch (DbException) { return 0; }
    }

    private static async Task<long> CountAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }
}
