using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>GET /api/v2/admin/job-logs?job=REF&amp;alloc=N</c>, behind <c>ops job logs</c>: one parallel
/// task's (allocation's) latest attempt, as its step output and the agent's own log of it.
/// </summary>
public static class JobLogsApi
{
    public sealed record StepLogView(int Index, string Name, string Status, int? ExitCode, string Output);

    public sealed record JobLogsView(
        string JobId, string Project, long Number, string Name, int Alloc, int Attempt, string Status, string? Node, string AgentLog, IReadOnlyList<StepLogView> Steps);

    private static readonly string[] LinkSegments = ["jobs", "job"];

    public static void MapJobLogs(this RouteGroupBuilder api) => api.MapGet("/admin/job-logs", GetJobLogs);

    private static Task<IResult> GetJobLogs(string? job, int? alloc, ReadDocuments documents, BlobStore blobs) => ApiErrors.Guard(async () =>
    {
        if (!Reference.TryParse(job, LinkSegments, out var reference))
            return ApiErrors.BadRequest("job must be a job id, its link (…/jobs/{id}) or gh/org/repo/NUMBER");
        var index = alloc ?? 0;
        if (index < 0) return ApiErrors.BadRequest("alloc must be a parallel task index, 0 or more");
        var state = reference.Id is { } id
            ? await documents.GetAsync<JobState>(DocumentProjection.JobKind, new JobId(id).ToString())
            : await documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, reference.Project!.Value.Value, reference.Number);
        if (state is not { Exists: true }) return ApiErrors.NotFound($"job {job!.Trim()} not found");
        if (state.Tasks.FirstOrDefault(t => t.Index == index) is not { } task)
            return ApiErrors.NotFound($"job {state.Template!.JobNumber} has {state.Tasks.Length} parallel task(s): alloc is 0 to {state.Tasks.Length - 1}");
        var steps = new List<StepLogView>();
        foreach (var step in task.Steps)
            steps.Add(new StepLogView(step.Index, step.Name, step.Status.ToWire(), step.ExitCode,
                await ReadLogAsync(blobs.LogPath(state.Id, task.Index, task.Attempt, step.Index))));
        return Results.Json(new JobLogsView(state.Id.ToString(), state.Template!.Project.Value, state.Template.JobNumber, state.Template.JobName,
            task.Index, task.Attempt, task.Status.ToWire(), task.Node?.Value,
            await ReadLogAsync(blobs.LogPath(state.Id, task.Index, task.Attempt, LogProtocol.AgentLogStep)), steps));
    });

    /// <summary>A log as far as it is written; empty when nothing was (a step that printed nothing, a task not started).</summary>
    public static async Task<string> ReadLogAsync(string path)
    {
        if (!File.Exists(path)) return "";
        // Shared for writing: the job's log entity may still be appending to it.
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The line above a step's output: <c>==> [task] name (status, exit N)</c>, as every reader of job output prints it.</summary>
    public static string StepHeader(string taskPrefix, string name, string status, int? exitCode) =>
        $"==> {taskPrefix}{name} ({status}{(exitCode is { } code ? $", exit {code}" : "")})\n";
}
