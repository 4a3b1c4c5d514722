using System.Diagnostics;
using Npgsql;

namespace CircleActors.Actors.Tests.Support;

/// <summary>
/// The PostgreSQL the journal specs run against: the one named by <c>CIRCLEACTORS_TEST_POSTGRES</c>,
/// or else the throwaway server of <c>scripts/start-postgres.sh</c>, started once per test run and
/// left running (the script is idempotent and other runs may share it).
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "CIRCLEACTORS_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(LocateAsync);

    public static Task<string> ConnectionStringAsync() => Server.Value;

    /// <summary>Creates an empty database on the server and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(await ConnectionStringAsync()) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database even while pooled connections still hold it.</summary>
    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> AdminConnectionStringAsync() =>
        new NpgsqlConnectionStringBuilder(await ConnectionStringAsync()) { Database = "postgres", Pooling = false }.ConnectionString;

    private static async Task<string> LocateAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured) return configured;

        var script = Path.Combine(RepositoryRoot(), "scripts", "start-postgres.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }

    /// <summary>The directory holding CircleActors.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "CircleActors.sln"))) return directory.FullName;
        throw new InvalidOperationException($"no CircleActors.sln above {AppContext.BaseDirectory}");
    }
}
