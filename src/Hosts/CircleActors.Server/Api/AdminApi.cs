using System.Globalization;
using Akka.Actor;
using CircleActors.Actors.Audit;
using CircleActors.Actors.Scheduling;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary><c>/api/v2/admin/...</c>: what the operator asks of the installation.</summary>
public static class AdminApi
{
    public sealed record NodeView(
        string Id, string Name, string Status, bool Drain, double CapacityCpus, int CapacityMemoryMb, double UsedCpus, int UsedMemoryMb,
        int RunningAllocations, IReadOnlyList<string> Allocations, DateTimeOffset LastSeen);

    public static void MapAdmin(this RouteGroupBuilder api)
    {
        api.MapGet("/admin/nodes", GetNodes);
        api.MapGet("/admin/audit-log.csv", GetAuditLog);
    }

    private static Task<IResult> GetNodes(Entities entities) => ApiErrors.Guard(async () =>
    {
        var nodes = await entities.Scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes(), TimeSpan.FromSeconds(5));
        return Results.Json(new Page<NodeView>(nodes.Nodes.Select(n => new NodeView(n.Id.Value, n.Name, n.Status, n.Drain, n.CapacityCpus,
            n.CapacityMemoryMb, n.UsedCpus, n.UsedMemoryMb, n.Allocations.Count, n.Allocations.Select(a => a.ToString()).ToList(), n.LastSeen)).ToList()));
    });

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
