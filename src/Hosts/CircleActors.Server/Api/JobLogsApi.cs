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
        var logs = blobs.ReadLogs(state.Id);
        string Log(int step) => logs.GetValueOrDefault(new JobLogFile.Stream(task.Index, task.Attempt, step), "");
        var steps = task.Steps.Select(step => new StepLogView(step.Index, step.Name, step.Status.ToWire(), step.ExitCode, Log(step.Index))).ToList();
        return Results.Json(new JobLogsView(state.Id.ToString(), state.Template!.Project.Value, state.Template.JobNumber, state.Template.JobName,
            task.Index, task.Attempt, task.Status.ToWire(), task.Node?.Value,
            Log(LogProtocol.AgentLogStep), steps));
    });

    /// <summary>The line above a step's output: <c>==> [task] name (status, exit N)</c>, as every reader of job output prints it.</summary>
    public static string StepHeader(string taskPrefix, string name, string status, int? exitCode) =>
        $"==> {taskPrefix}{name} ({status}{(exitCode is { } code ? $", exit {code}" : "")})\n";
}
