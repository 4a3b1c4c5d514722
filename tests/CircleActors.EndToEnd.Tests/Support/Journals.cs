using System.Diagnostics;
using Npgsql;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// The journals end-to-end tests run on: SQLite in the data directory, or a fresh PostgreSQL
/// database on the server the test script started (started here when the variable is absent).
/// </summary>
public static class Journals
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    public static TheoryData<string> Both => new() { Sqlite, PostgreSql };

    private static readonly Lazy<string> Server = new(() =>
        Environment.GetEnvironmentVariable("CIRCLEACTORS_TEST_POSTGRES") is { Length: > 0 } connection ? connection : StartPostgres());

    /// <summary>A new empty database; the connection string to it.</summary>
    public static async Task<string> NewPostgresDatabaseAsync()
    {
        var name = "ca_e2e_" + Guid.NewGuid().ToString("N")[..12];
        var admin = new NpgsqlConnectionStringBuilder(Server.Value) { Database = "postgres" };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server.Value) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database <see cref="NewPostgresDatabaseAsync"/> made, with whatever is still connected to it.</summary>
    public static async Task DropPostgresDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        var admin = new NpgsqlConnectionStringBuilder(Server.Value) { Database = "postgres" };
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string StartPostgres()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "start-postgres.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed");
        return output.Trim().Split('\n').Last();
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CircleActors.sln"))) return dir.FullName;
        throw new InvalidOperationException("CircleActors.sln not found above the test directory");
    }

    public static string CorpusRoot() => Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "corpus"));
}
