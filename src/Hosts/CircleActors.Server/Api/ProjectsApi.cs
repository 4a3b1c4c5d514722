using System.Text;
using Akka.Actor;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Common;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary><c>/api/v2/project/...</c>: projects, their pipelines and their jobs by number.</summary>
public static class ProjectsApi
{
    public sealed record AddProjectRequest(string? Slug, string? RepoUrl, string? DefaultBranch, string? WebhookSecret);

    public sealed record TriggerPipelineRequest(string? Branch, string? Tag, Dictionary<string, System.Text.Json.JsonElement>? Parameters);

    public static void MapProjects(this RouteGroupBuilder api)
    {
        api.MapPost("/project", AddProject);
        var project = api.MapGroup("/project/{vcs}/{org}/{repo}");
        project.MapGet("", GetProject);
        project.MapPost("/pipeline", TriggerPipeline);
        project.MapGet("/settings", GetSettings);
        project.MapPatch("/settings", ChangeSettings);
        project.MapGet("/pipeline", ListPipelines);
        project.MapGet("/job/{number:long}", GetJob);
        project.MapGet("/job/{number:long}/output", GetJobOutput);
        project.MapPost("/job/{number:long}/cancel", CancelJob);
    }

    private static Task<IResult> AddProject(AddProjectRequest? request, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        if (request is null) return ApiErrors.BadRequest("a JSON body with slug and repo_url is required");
        if (!ProjectSlug.TryParse(request.Slug, out var slug)) return ApiErrors.BadRequest("slug must look like gh/org/repo");
        if (string.IsNullOrWhiteSpace(request.RepoUrl)) return ApiErrors.BadRequest("repo_url is required");
        var command = new ProjectCommands.AddProject(slug, request.RepoUrl.Trim(), string.IsNullOrWhiteSpace(request.DefaultBranch) ? "main" : request.DefaultBranch.Trim(),
            request.WebhookSecret ?? "", Actor.Admin);
        var state = await Reliably.AskForAsync<ProjectState>(entities.Projects, command, ct);
        return Results.Json(ProjectView.From(state), statusCode: StatusCodes.Status201Created);
    });

    private static Task<IResult> GetProject(string vcs, string org, string repo, Entities entities, CancellationToken ct) => WithProject(vcs, org, repo, entities, ct,
        project => Task.FromResult(Results.Json(ProjectView.From(project))));

    private static Task<IResult> TriggerPipeline(string vcs, string org, string repo, TriggerPipelineRequest? request, Entities entities, CancellationToken ct) =>
        WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (request is { Branch: not null, Tag: not null }) return ApiErrors.BadRequest("give a branch or a tag, not both");
            var trigger = new PipelineTrigger("api", Actor.Admin, DateTimeOffset.UtcNow);
            var parameters = request?.Parameters?.ToDictionary(p => p.Key, p => (object)p.Value);
            var pipeline = await entities.Triggers.TriggerAsync(new PipelineId(Guid.NewGuid()),
                new PipelineTriggers.TriggerRequest(project.Slug, request?.Branch, request?.Tag, null, trigger, parameters), ct);
            return Results.Json(Creation(pipeline), statusCode: StatusCodes.Status201Created);
        });

    public sealed record AdvancedSettings(bool? AutocancelBuilds);

    public sealed record SettingsRequest(AdvancedSettings? Advanced);

    /// <summary>CircleCI's project settings shape, <c>{"advanced": {"autocancel_builds": …}}</c>, with what is built so far.</summary>
    private static object SettingsView(ProjectState project) => new { advanced = new { autocancel_builds = project.AutoCancelRedundantWorkflows } };

    private static Task<IResult> GetSettings(string vcs, string org, string repo, Entities entities, CancellationToken ct) =>
        WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(Results.Json(SettingsView(project))));

    private static Task<IResult> ChangeSettings(string vcs, string org, string repo, SettingsRequest? request, Entities entities, CancellationToken ct) =>
        WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (request?.Advanced?.AutocancelBuilds is not { } autocancel)
                return ApiErrors.BadRequest("give {\"advanced\": {\"autocancel_builds\": true|false}}");
            var changed = await Reliably.AskForAsync<ProjectState>(entities.Projects, new ProjectCommands.ChangeSettings(project.Slug, autocancel, Actor.Admin), ct);
            return Results.Json(SettingsView(changed));
        });

    public static PipelineCreation Creation(PipelineState pipeline) =>
        new(pipeline.Id.ToString(), pipeline.Created!.Number, PipelineView.From(pipeline).State, pipeline.Created.At);

    private static Task<IResult> ListPipelines(string vcs, string org, string repo, Entities entities, ReadDocuments documents, CancellationToken ct) =>
        WithKnownProject(vcs, org, repo, entities, documents, ct, async project =>
        {
            var pipelines = await documents.RecentAsync<PipelineState>(DocumentProjection.PipelineKind, project.Value, 50, ct);
            return Results.Json(new Page<PipelineView>(pipelines.Select(PipelineView.From).ToList()));
        });

    private static Task<IResult> GetJob(string vcs, string org, string repo, long number, Entities entities, ReadDocuments documents, CancellationToken ct) =>
        WithProject(vcs, org, repo, entities, ct, async project =>
        {
            var job = await documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, project.Slug.Value, number, ct: ct);
            if (job is null) return ApiErrors.NotFound($"job {number} not found in {project.Slug}");
            string? pendingReason = null;
            if (job.Status == JobStatus.NotRunning)
            {
                var pending = await entities.Scheduler.Ask<SchedulerProtocol.PendingTaskList>(new SchedulerProtocol.GetPendingTasks(), TimeSpan.FromSeconds(5), ct);
                pendingReason = pending.Tasks.FirstOrDefault(t => t.Task.JobId == job.Id)?.Reason;
            }
            return Results.Json(JobView.From(job, project, pendingReason));
        });

    private static Task<IResult> CancelJob(string vcs, string org, string repo, long number, Entities entities, ReadDocuments documents, CancellationToken ct) =>
        WithKnownProject(vcs, org, repo, entities, documents, ct, async project =>
        {
            var job = await documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, project.Value, number, ct: ct);
            if (job is null) return ApiErrors.NotFound($"job {number} not found in {project}");
            await Reliably.AskForAsync<Accepted>(entities.Jobs, new JobCommands.CancelJob(job.Id, Actor.Admin), ct);
            return PipelinesApi.AcceptedMessage();
        });

    /// <summary>Every step's output of every parallel run (latest attempt), each step under a header line.</summary>
    private static Task<IResult> GetJobOutput(string vcs, string org, string repo, long number, Entities entities, ReadDocuments documents, BlobStore blobs, CancellationToken ct) =>
        WithKnownProject(vcs, org, repo, entities, documents, ct, async project =>
        {
            var document = await documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, project.Value, number, ct: ct);
            if (document is null) return ApiErrors.NotFound($"job {number} not found in {project}");
            // The steps come from the entity: the job's document may lag its workflow's (each tag
            // is projected on its own), and output must not look empty once its workflow has ended.
            var job = await Reliably.AskForAsync<JobState>(entities.Jobs, new JobQueries.GetJob(document.Id), ct);
            var text = new StringBuilder();
            var logs = blobs.ReadLogs(job.Id);
            foreach (var task in job.Tasks)
            foreach (var step in task.Steps)
            {
                text.Append(JobLogsApi.StepHeader(job.Tasks.Length > 1 ? $"[{task.Index}] " : "", step.Name, step.Status.ToWire(), step.ExitCode));
                text.Append(logs.GetValueOrDefault(new JobLogFile.Stream(task.Index, task.Attempt, step.Index), ""));
            }
            return Results.Text(text.ToString(), "text/plain; charset=utf-8");
        });

    internal static Task<IResult> WithProject(string vcs, string org, string repo, Entities entities, CancellationToken ct, Func<ProjectState, Task<IResult>> action) =>
        ApiErrors.Guard(async () =>
        {
            if (!ProjectSlug.TryParse($"{vcs}/{org}/{repo}", out var slug)) return ApiErrors.BadRequest($"{vcs}/{org}/{repo} is not a project slug");
            var project = await Reliably.AskForAsync<ProjectState>(entities.Projects, new ProjectQueries.GetProject(slug), ct);
            return await action(project);
        });

    /// <summary>
    /// For reads that need only to know the project exists: a project with a pipeline in the read
    /// side exists (projects are never removed), so those reads do not wait for the project's
    /// entity, whose shard may be moving off a services node that died. Otherwise the entity
    /// answers, with 404 for an unknown project.
    /// </summary>
    internal static Task<IResult> WithKnownProject(string vcs, string org, string repo, Entities entities, ReadDocuments documents, CancellationToken ct,
        Func<ProjectSlug, Task<IResult>> action) =>
        ApiErrors.Guard(async () =>
        {
            if (!ProjectSlug.TryParse($"{vcs}/{org}/{repo}", out var slug)) return ApiErrors.BadRequest($"{vcs}/{org}/{repo} is not a project slug");
            if (!await documents.AnyAsync(DocumentProjection.PipelineKind, slug.Value, ct))
                slug = (await Reliably.AskForAsync<ProjectState>(entities.Projects, new ProjectQueries.GetProject(slug), ct)).Slug;
            return await action(slug);
        });
}
