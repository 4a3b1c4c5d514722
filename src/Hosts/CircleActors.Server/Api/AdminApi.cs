using System.Globalization;
using Akka.Actor;
using CircleActors.Actors.Audit;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Common;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary><c>/api/v2/admin/...</c>: what the operator asks of the installation.</summary>
public static class AdminApi
{
    public sealed record NodeView(
        string Id, string Name, string Datacenter, string NodeClass, string Status, bool Drain, DateTimeOffset? DrainDeadline, string Eligibility,
        double CapacityCpus, int CapacityMemoryMb, double UsedCpus, int UsedMemoryMb,
        int RunningAllocations, IReadOnlyList<string> Allocations, DateTimeOffset LastSeen)
    {
        public static NodeView From(SchedulerProtocol.NodeInfo n) => new(n.Id.Value, n.Name, n.Datacenter, n.NodeClass, n.Status, n.Drain, n.DrainDeadline,
            n.Eligible ? "eligible" : "ineligible", n.CapacityCpus, n.CapacityMemoryMb, n.UsedCpus, n.UsedMemoryMb,
            n.Allocations.Count, n.Allocations.Select(a => a.ToString()).ToList(), n.LastSeen);
    }

    /// <summary><c>POST …/nodes/{id}/drain</c>: <c>enable</c>, and optionally how long the node's tasks may still run.</summary>
    public sealed record DrainRequest(bool? Enable, double? DeadlineSeconds);

    public sealed record EligibilityRequest(bool? Eligible);

    private static readonly TimeSpan SchedulerPatience = TimeSpan.FromSeconds(5);

    public static void MapAdmin(this RouteGroupBuilder api)
    {
        api.MapGet("/admin/nodes", GetNodes);
        api.MapGet("/admin/nodes/{id}", GetNode);
        api.MapPost("/admin/nodes/{id}/drain", DrainNode).WithoutJournal();
        api.MapPost("/admin/nodes/{id}/eligibility", SetEligibility).WithoutJournal();
        // A long export may take longer than the deadline to write.
        api.MapGet("/admin/audit-log.csv", GetAuditLog).DisableRequestTimeout();
    }

    private static Task<IResult> GetNodes(Entities entities) => ApiErrors.Guard(async () =>
    {
        var nodes = await entities.Scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes(), SchedulerPatience);
        return Results.Json(new Page<NodeView>(nodes.Nodes.Select(NodeView.From).ToList()));
    });

    private static Task<IResult> GetNode(string id, Entities entities) => ApiErrors.Guard(async () =>
    {
        var nodes = await entities.Scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes(), SchedulerPatience);
        return nodes.Nodes.FirstOrDefault(n => n.Id.Value == id) is { } node ? Results.Json(NodeView.From(node)) : UnknownNode(id);
    });

    /// <summary>
    /// Drains a node: it takes no new tasks and those it runs finish; with a deadline, what still
    /// runs then ends infrastructure_fail and runs again elsewhere. Soft state like the rest of
    /// the scheduler: the node's agent keeps it too and claims it again from a new scheduler.
    /// </summary>
    private static Task<IResult> DrainNode(string id, DrainRequest? body, Entities entities) => ApiErrors.Guard(async () =>
    {
        if (body?.Enable is not { } enable) return ApiErrors.BadRequest("enable (true or false) is required");
        if (body.DeadlineSeconds is { } seconds && (seconds <= 0 || double.IsNaN(seconds) || seconds > TimeSpan.FromDays(30).TotalSeconds))
            return ApiErrors.BadRequest("deadline_seconds must be more than 0 and at most 30 days");
        if (!enable && body.DeadlineSeconds is not null) return ApiErrors.BadRequest("deadline_seconds goes with enable: true only");
        DateTimeOffset? deadline = body.DeadlineSeconds is { } s ? SystemClock.Instance.UtcNow.AddSeconds(s) : null;
        var changed = await entities.Scheduler.Ask<SchedulerProtocol.NodeChanged>(new SchedulerProtocol.SetDrain(new NodeId(id), enable, deadline), SchedulerPatience);
        return changed.Node is { } node ? Results.Json(NodeView.From(node)) : UnknownNode(id);
    });

    private static Task<IResult> SetEligibility(string id, EligibilityRequest? body, Entities entities) => ApiErrors.Guard(async () =>
    {
        if (body?.Eligible is not { } eligible) return ApiErrors.BadRequest("eligible (true or false) is required");
        var changed = await entities.Scheduler.Ask<SchedulerProtocol.NodeChanged>(new SchedulerProtocol.SetEligibility(new NodeId(id), eligible), SchedulerPatience);
        return changed.Node is { } node ? Results.Json(NodeView.From(node)) : UnknownNode(id);
    });

    private static IResult UnknownNode(string id) => ApiErrors.NotFound($"no node {id} has registered with the scheduler");

    private static async Task<IResult> GetAuditLog(string? from, string? to, AuditLog audit)
    {
        if (!TryParseTime(from, out var since)) return ApiErrors.BadRequest("from must be an ISO-8601 time");
        if (!TryParseTime(to, out var until)) return ApiErrors.BadRequest("to must be an ISO-8601 time");
        var csv = await audit.ExportCsvAsync(since, until);
        return Results.Text(csv, "text/csv; charset=utf-8");
    }

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        time = parsed;
        return true;
    }
}
