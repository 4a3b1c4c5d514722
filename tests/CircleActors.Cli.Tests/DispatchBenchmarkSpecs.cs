using CircleActors.Actors.Persistence;
using CircleActors.Cli.Bench;

namespace CircleActors.Cli.Tests;

/// <summary>
/// The dispatch benchmark run small on SQLite: it must finish and report sane figures. It asserts
/// no speed; speed is what the benchmark reports, in docs/performance.md.
/// </summary>
public sealed class DispatchBenchmarkSpecs
{
    [Fact]
    public async Task A_small_run_of_three_rounds_on_sqlite_ends_every_job_in_success_and_reports_the_median_round()
    {
        var options = new DispatchBenchmarkOptions
        {
            Journal = JournalProvider.Sqlite,
            Jobs = 10,
            Workflows = 2,
            Rounds = 3,
            IdleJobs = 5,
            BaselineRows = 1_000,
            Timeout = TimeSpan.FromMinutes(3),
        };

        var result = await DispatchBenchmark.RunAsync(options, TextWriter.Null);

        Assert.Equal(60, result.Jobs);
        Assert.True(result.AllSucceeded, string.Join(", ", result.JobStatuses.Select(s => $"{s.Key} {s.Value}")));
        Assert.True(result.Baseline.RowsPerSecond > 0);
        // Each round ends its own 20 jobs, and the figure given is the middle one of the three.
        Assert.All(result.Rounds, round =>
        {
            Assert.Equal(20, round.Jobs);
            Assert.True(round.CpuPerJob > TimeSpan.Zero);
            Assert.Equal(round.Cpu / 20, round.CpuPerJob);
        });
        var byRate = result.Rounds.Select(r => r.JobsPerSecond).Order().ToList();
        Assert.Equal(byRate[1], result.JobsPerSecond);
        Assert.True(byRate[0] > 0);
        Assert.True(result.JobsRatio > 0);
        // Nine job events per job: scheduled, assigned, started, two steps started and finished, task and job finished.
        Assert.Equal(9.0, result.EventsPerJob);
        Assert.True(result.EventsPerSecond > result.JobsPerSecond);
        foreach (var latency in new[] { result.RunnableToFirstStep, result.IdleRunnableToFirstStep })
        {
            Assert.True(latency.P50 >= TimeSpan.Zero);
            Assert.True(latency.P50 <= latency.P99);
            Assert.True(latency.P99 <= latency.Max);
        }
        Assert.Equal(60, result.RunnableToFirstStep.Count);
        Assert.Equal(5, result.IdleRunnableToFirstStep.Count);
        var markdown = DispatchBenchmark.Markdown(result, MachineInfo.OfThisMachine());
        Assert.Contains($"| Jobs/s, the median round | {result.JobsPerSecond:N1} |", markdown);
        Assert.Contains("--rounds 3", markdown);
    }

    [Fact]
    public async Task A_small_run_on_two_services_nodes_and_postgresql_ends_every_job_in_success()
    {
        await using var database = await ScratchDatabase.CreateAsync();
        var options = new DispatchBenchmarkOptions
        {
            Journal = JournalProvider.PostgreSql,
            ConnectionString = database.ConnectionString,
            Jobs = 10,
            Workflows = 2,
            Rounds = 1,
            IdleJobs = 3,
            ServicesNodes = 2,
            BaselineRows = 500,
            Timeout = TimeSpan.FromMinutes(3),
        };

        var result = await DispatchBenchmark.RunAsync(options, TextWriter.Null);

        Assert.Equal(20, result.Jobs);
        Assert.True(result.AllSucceeded, string.Join(", ", result.JobStatuses.Select(s => $"{s.Key} {s.Value}")));
        Assert.Contains("--services-nodes 2", DispatchBenchmark.Markdown(result, MachineInfo.OfThisMachine()));
    }

    [Fact]
    public async Task Several_services_nodes_on_sqlite_are_refused_before_anything_starts()
    {
        var options = new DispatchBenchmarkOptions { Journal = JournalProvider.Sqlite, ServicesNodes = 3 };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => DispatchBenchmark.RunAsync(options, TextWriter.Null));

        Assert.Contains("--journal postgresql", error.Message);
    }

    /// <summary>A database of its own on the PostgreSQL the test script started, dropped afterwards.</summary>
    private sealed class ScratchDatabase : IAsyncDisposable
    {
        private readonly string _admin;
        private readonly string _name;

        private ScratchDatabase(string server, string name)
        {
            _admin = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString;
            _name = name;
            ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        }

        public string ConnectionString { get; }

        public static async Task<ScratchDatabase> CreateAsync()
        {
            var server = Environment.GetEnvironmentVariable("CIRCLEACTORS_TEST_POSTGRES")
                ?? throw new InvalidOperationException("CIRCLEACTORS_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL");
            var database = new ScratchDatabase(server, "ca_bench_" + Guid.NewGuid().ToString("N")[..12]);
            await database.ExecuteAsync($"CREATE DATABASE {database._name}");
            return database;
        }

        public async ValueTask DisposeAsync()
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
        }

        private async Task ExecuteAsync(string sql)
        {
            await using var connection = new Npgsql.NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var latency = Latency.Of(Enumerable.Range(1, 100).Select(i => TimeSpan.FromMilliseconds(i)));

        Assert.Equal(TimeSpan.FromMilliseconds(50), latency.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(99), latency.P99);
        Assert.Equal(TimeSpan.FromMilliseconds(100), latency.Max);
    }

    [Fact]
    public void The_benchmark_config_has_one_workflow_of_independent_jobs()
    {
        var config = DispatchBenchmark.Config(3);

        Assert.Equal(3, config.Split("- run: echo hi").Length - 1);
        Assert.Contains("      - job-00003\n", config);
        Assert.DoesNotContain("requires", config);
    }
}
