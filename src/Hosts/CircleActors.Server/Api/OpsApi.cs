using Akka.Actor;
using Akka.Cluster;
using CircleActors.Actors.Common;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>/api/v2/admin/...</c> endpoints behind the ops shell's palettes that are not about nodes:
/// jobs as the scheduler sees them, the run queue, cluster membership and sharding.
/// </summary>
public static class OpsApi
{
    /// <summary>A job in Nomad's terms: <c>pending</c> (waiting for a node), <c>running</c> (assigned or started), <c>dead</c> (ended).</summary>
    public sealed record JobStatusView(
        string Id, string Project, long Number, string Name, string Status, string Class, IReadOnlyList<string> Nodes,
        string? PendingReason, DateTimeOffset? QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt);

    public sealed record QueuedTaskView(
        string JobId, int TaskIndex, int Attempt, string ResourceClass, DateTimeOffset QueuedAt, double WaitedSeconds, string Reason);

    public sealed record QueueView(int Depth, IReadOnlyList<QueuedTaskView> Items);

    public sealed record CancelRequest(int? Count);

    /// <param name="Shards">Shards of every entity type this member hosts; null when sharding did not answer in time.</param>
    /// <param name="Singletons">Whether the services singletons (scheduler, projector, blob service) run here: the oldest Up services member.</param>
    public sealed record MemberView(
        string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Leader, int? Shards, int? Entities, bool Singletons);

    public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members);

    public sealed record AddressRequest(string? Address);

    /// <summary>The classes <c>ops job status</c> shows by default: what is still in the scheduler's hands.</summary>
    private static readonly IReadOnlyList<string> LiveClasses = ["pending", "running"];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>How many jobs one listing returns at most.</summary>
    private const int ListLimit = 500;

    public static void MapOps(this RouteGroupBuilder api)
    {
        api.MapGet("/admin/jobs", ListJobs);
        api.MapGet("/admin/jobs/{id}", GetJob);
        api.MapGet("/admin/queue", GetQueue);
        api.MapPost("/admin/queue/cancel", CancelQueued);
        api.MapGet("/admin/cluster", GetCluster);
        api.MapPost("/admin/cluster/leave", (AddressRequest? body, ActorSystem system) => ChangeMember(body, system, leave: true)).WithoutJournal();
        api.MapPost("/admin/cluster/down", (AddressRequest? body, ActorSystem system) => ChangeMember(body, system, leave: false)).WithoutJournal();
        api.MapGet("/admin/sharding", GetSharding);
    }

    private static string ClassOf(JobStatus status) => status switch
    {
        JobStatus.NotRunning => "pending",
        JobStatus.Queued or JobStatus.Running => "running",
        _ when status.IsTerminal() => "dead",
        _ => "waiting", // blocked or on hold: not yet the scheduler's
    };

    private static IEnumerable<JobStatus> StatusesOf(string jobClass) => Enum.GetValues<JobStatus>().Where(s => ClassOf(s) == jobClass);

    private static JobStatusView View(JobState job, IReadOnlyDictionary<JobId, string> reasons) => new(
        job.Id.ToString(), job.Template!.Project.Value, job.Template.JobNumber, job.Template.JobName, job.Status.ToWire(), ClassOf(job.Status),
        job.Tasks.Where(t => t.Node is not null).Select(t => t.Node!.Value.Value).Distinct().ToList(),
        reasons.GetValueOrDefault(job.Id), job.QueuedAt, job.StartedAt, job.StoppedAt);

    private static async Task<IReadOnlyDictionary<JobId, string>> PendingReasonsAsync(Entities entities)
    {
        var pending = await entities.Scheduler.Ask<SchedulerProtocol.PendingTaskList>(new SchedulerProtocol.GetPendingTasks(), Patience);
        return pending.Tasks.GroupBy(t => t.Task.JobId).ToDictionary(g => g.Key, g => g.First().Reason);
    }

    private static Task<IResult> ListJobs(string? status, Entities entities, ReadDocuments documents) => ApiErrors.Guard(async () =>
    {
        var classes = string.IsNullOrWhiteSpace(status) ? LiveClasses : status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (classes.FirstOrDefault(c => c is not ("pending" or "running" or "dead")) is { } unknown)
            return ApiErrors.BadRequest($"status must be pending, running or dead (comma-separated), not '{unknown}'");
        var jobs = await documents.WithStatusEverywhereAsync<JobState>(DocumentProjection.JobKind,
            classes.SelectMany(StatusesOf).Select(s => s.ToWire()).ToList(), ListLimit);
        var reasons = await PendingReasonsAsync(entities);
        return Results.Json(new Page<JobStatusView>(jobs.Where(j => j.Exists).OrderBy(j => j.QueuedAt).Select(j => View(j, reasons)).ToList()));
    });

    private static Task<IResult> GetJob(string id, Entities entities, ReadDocuments documents) => ApiErrors.Guard(async () =>
    {
        if (!Guid.TryParse(id, out var guid)) return ApiErrors.BadRequest($"'{id}' is not a job id (a UUID)");
        var job = await documents.GetAsync<JobState>(DocumentProjection.JobKind, new JobId(guid).ToString());
        if (job is not { Exists: true }) return ApiErrors.NotFound($"job {id} not found");
        return Results.Json(View(job, await PendingReasonsAsync(entities)));
    });

    private static async Task<IReadOnlyList<SchedulerProtocol.PendingTask>> QueuedAsync(Entities entities) =>
        (await entities.Scheduler.Ask<SchedulerProtocol.PendingTaskList>(new SchedulerProtocol.GetPendingTasks(), Patience)).Tasks
        .OrderBy(t => t.QueuedAt).ThenBy(t => t.Task.JobId.Value).ThenBy(t => t.Task.TaskIndex).ToList();

    private static Task<IResult> GetQueue(Entities entities) => ApiErrors.Guard(async () =>
    {
        var now = SystemClock.Instance.UtcNow;
        var queued = await QueuedAsync(entities);
        return Results.Json(new QueueView(queued.Count, queued.Select(t => new QueuedTaskView(t.Task.JobId.ToString(), t.Task.TaskIndex, t.Attempt,
            t.ResourceClass, t.QueuedAt, Math.Round((now - t.QueuedAt).TotalSeconds, 1), t.Reason)).ToList()));
    });

    /// <summary>Cancels the <c>count</c> jobs that have waited longest, as the admin, and names them.</summary>
    private static Task<IResult> CancelQueued(CancelRequest? body, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        if (body?.Count is not { } count || count <= 0) return ApiErrors.BadRequest("count must be a positive number of jobs");
        var oldest = (await QueuedAsync(entities)).Select(t => t.Task.JobId).Distinct().Take(count).ToList();
        foreach (var job in oldest)
            await Reliably.AskForAsync<Accepted>(entities.Jobs, new Domain.Jobs.Messages.JobCommands.CancelJob(job, Actor.Admin), ct);
        return Results.Json(new { canceled = oldest.Select(j => j.ToString()).ToList() });
    });

    private static async Task<IResult> GetCluster(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        IReadOnlyList<ShardingStatistics.RegionOnNode>? regions;
        try
        {
            regions = await ShardingStatistics.GetAsync(system, TimeSpan.FromSeconds(3));
        }
        catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
        {
            // Membership is still worth showing while a region hands its shards over.
            regions = null;
        }
        var singletons = state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(ClusterRoles.Services))
            .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()?.Address;
        return Results.Json(new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m =>
            {
                var hosted = regions?.Where(r => r.Node == $"{m.Address.Host}:{m.Address.Port}").ToList();
                return new MemberView(m.Address.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(), m.Status.ToString().ToLowerInvariant(),
                    !state.Unreachable.Contains(m), m.Address.Equals(state.Leader), hosted?.Sum(r => r.Shards), hosted?.Sum(r => r.Entities),
                    m.Address.Equals(singletons));
            }).ToList()));
    }

    /// <summary>Asks a member to leave gracefully, or marks it down (for one that is gone and will not come back).</summary>
    private static IResult ChangeMember(AddressRequest? body, ActorSystem system, bool leave)
    {
        if (string.IsNullOrWhiteSpace(body?.Address)) return ApiErrors.BadRequest("address (akka.tcp://circleactors@host:port) is required");
        var cluster = Cluster.Get(system);
        var member = cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == body.Address);
        if (member is null) return ApiErrors.NotFound($"{body.Address} is not a member of this cluster");
        if (leave) cluster.Leave(member.Address);
        else cluster.Down(member.Address);
        return Results.Json(new { message = $"{member.Address} {(leave ? "asked to leave" : "marked down")}" }, statusCode: StatusCodes.Status202Accepted);
    }

    private static Task<IResult> GetSharding(ActorSystem system) => ApiErrors.Guard(async () =>
        Results.Json(new Page<ShardingStatistics.RegionOnNode>(await ShardingStatistics.GetAsync(system, TimeSpan.FromSeconds(3)))));
}
