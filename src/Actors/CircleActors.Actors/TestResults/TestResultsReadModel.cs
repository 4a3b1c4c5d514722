using System.Data.Common;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.TestResults;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Actors.TestResults;

/// <summary>
/// The <c>test_results</c> table: one row per stored test case, written by
/// <see cref="TestResultsProjection"/>, read for a job's test list and for the timings a later
/// run of the same job splits its tests by. Only the cases of each task's current attempt count:
/// an attempt that ended for infrastructure reasons may have stored a partial report.
/// </summary>
public sealed class TestResultsReadModel(ReadStore store)
{
    public static readonly IReadOnlyList<string> Schema =
    [
        """
        CREATE TABLE IF NOT EXISTS test_results (
          id TEXT PRIMARY KEY, project TEXT NOT NULL, job_number BIGINT NOT NULL, job_name TEXT NOT NULL,
          task_index INTEGER NOT NULL, attempt INTEGER NOT NULL, position BIGINT NOT NULL, source TEXT NOT NULL,
          file TEXT, classname TEXT, name TEXT NOT NULL, result TEXT NOT NULL, message TEXT, run_time DOUBLE PRECISION NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS test_results_by_job ON test_results (project, job_number, position)",
        "CREATE INDEX IF NOT EXISTS test_results_by_name ON test_results (project, job_name, job_number)",
    ];

    private readonly ReadDocuments _documents = new(store);

    /// <summary>A stored case with the task attempt that stored it.</summary>
    public sealed record StoredCase(int TaskIndex, int Attempt, TestCaseResult Case);

    public static async Task InsertAsync(DbConnection connection, DbTransaction transaction, string id, long position,
        TestResultsEvents.TestResultsRecorded recorded, TestCaseResult testCase, CancellationToken ct)
    {
        await using var command = ReadStore.Command(connection, transaction, """
            INSERT INTO test_results (id, project, job_number, job_name, task_index, attempt, position, source, file, classname, name, result, message, run_time)
            VALUES (@id, @project, @number, @job, @task, @attempt, @position, @source, @file, @classname, @name, @result, @message, @time)
            ON CONFLICT (id) DO NOTHING
            """,
            ("id", id), ("project", recorded.Project.Value), ("number", recorded.JobNumber), ("job", recorded.JobName),
            ("task", recorded.TaskIndex), ("attempt", recorded.Attempt), ("position", position), ("source", testCase.Source),
            ("file", testCase.File), ("classname", testCase.Classname), ("name", testCase.Name),
            ("result", testCase.Result.ToString().ToLowerInvariant()), ("message", testCase.Message), ("time", testCase.RunTime));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The cases a job's tasks stored in their current attempts, in the order they were stored; null for an unknown job.</summary>
    public async Task<IReadOnlyList<TestCaseResult>?> ForJobAsync(ProjectSlug project, long jobNumber, CancellationToken ct = default)
    {
        var job = await _documents.ByNumberAsync<JobState>(Projections.DocumentProjection.JobKind, project.Value, jobNumber, ct: ct);
        if (job is null) return null;
        var stored = await QueryAsync("""
            SELECT task_index, attempt, source, file, classname, name, result, message, run_time FROM test_results
            WHERE project = @p AND job_number = @n ORDER BY position
            """, ct, ("p", project.Value), ("n", jobNumber));
        return stored.Where(s => s.TaskIndex < job.Tasks.Length && job.Tasks[s.TaskIndex].Attempt == s.Attempt).Select(s => s.Case).ToList();
    }

    /// <summary>The timings of the most recent finished (success or failed) run of the job before <paramref name="beforeJobNumber"/> that stored results.</summary>
    public async Task<TestResultsReplies.TestTimings> TimingsAsync(ProjectSlug project, string jobName, long beforeJobNumber, CancellationToken ct = default)
    {
        long? previous;
        await using (var connection = await store.OpenAsync(ct))
        await using (var command = ReadStore.Command(connection, null, """
            SELECT MAX(t.job_number) FROM test_results t
            JOIN read_documents d ON d.kind = @kind AND d.project = t.project AND d.number = t.job_number
            WHERE t.project = @p AND t.job_name = @n AND t.job_number < @before AND d.status IN ('success', 'failed')
            """, ("kind", Projections.DocumentProjection.JobKind), ("p", project.Value), ("n", jobName), ("before", beforeJobNumber)))
        {
            previous = await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value) : null;
        }
        if (previous is not { } number) return new TestResultsReplies.TestTimings(null, []);
        var cases = await ForJobAsync(project, number, ct) ?? [];
        return new TestResultsReplies.TestTimings(number, cases.Select(c => new TestTiming(c.File, c.Classname, c.Name, c.RunTime)).ToList());
    }

    private async Task<IReadOnlyList<StoredCase>> QueryAsync(string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<StoredCase>();
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(new StoredCase(Convert.ToInt32(reader.GetValue(0)), Convert.ToInt32(reader.GetValue(1)), new TestCaseResult(
                Name: reader.GetString(5), Classname: Text(4), File: Text(3), Source: reader.GetString(2),
                Result: Enum.Parse<TestOutcome>(reader.GetString(6), ignoreCase: true), RunTime: Convert.ToDouble(reader.GetValue(8)),
                Message: Text(7))));
        }
        return rows;
    }
}
