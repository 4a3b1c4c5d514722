using Akka.Actor;
using Akka.Cluster;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Scheduling;
using CircleActors.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CircleActors.Server.Health;

/// <summary>The components a services node answers for, each with a check an operator can act on.</summary>
public static class Components
{
    public const string Frontend = "frontend";
    public const string Journal = "journal";
    public const string BlobStore = "blob-store";
    public const string Scheduler = "scheduler";
    public const string Projectors = "projectors";
    public const string Cluster = "cluster";
    public const string GitHub = "github";

    public static readonly IReadOnlyList<string> All = [Frontend, Journal, BlobStore, Scheduler, Projectors, Cluster, GitHub];
}

/// <summary>The API answers: this check runs inside it.</summary>
public sealed class FrontendCheck(ServerOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(HealthCheckResult.Healthy($"answering HTTP at {options.HttpUrl}"));
}

/// <summary>The journal's database takes a query (the same probe that gates write requests).</summary>
public sealed class JournalCheck(JournalAvailability availability) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) => availability.ProbeAsync(ct);
}

/// <summary>The blob store's directory takes a write: step output goes nowhere without it.</summary>
public sealed class BlobStoreCheck(BlobStore blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var probe = Path.Combine(blobs.Root, $".health-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(blobs.Root);
            await File.WriteAllTextAsync(probe, "ok", ct);
            File.Delete(probe);
            return HealthCheckResult.Healthy($"{blobs.Root} is writable");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"{blobs.Root} is not writable: {ex.Message}");
        }
    }
}

/// <summary>The scheduler singleton answers (it starts only once this node is Up in the cluster).</summary>
public sealed class SchedulerCheck(Entities entities) : IHealthCheck
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var nodes = await entities.Scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes(), Patience, ct);
            return HealthCheckResult.Healthy($"answers; {nodes.Nodes.Count(n => n.Status == "ready")} of {nodes.Nodes.Count} nodes ready");
        }
        catch (AskTimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the scheduler singleton did not answer within {Patience.TotalSeconds:0} s");
        }
    }
}

/// <summary>The read store takes a query; how far the projections trail the journal is told, not judged.</summary>
public sealed class ProjectorsCheck(ServerOptions options, ReadStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var behind = await ProjectionLag.EventsBehindAsync(options.EffectiveJournal, store, ServerHost.Projections, ct);
        return HealthCheckResult.Healthy($"read store answers; {behind} events not yet projected");
    }
}

/// <summary>This node is Up and no services node is unreachable (agents coming and going do not count).</summary>
public sealed class ClusterCheck(ActorSystem system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var self = cluster.SelfMember;
        if (self.Status != MemberStatus.Up)
            return Task.FromResult(HealthCheckResult.Unhealthy($"this node is {self.Status.ToString().ToLowerInvariant()}, not up, in the cluster"));
        var unreachable = state.Unreachable.Where(m => m.HasRole(ClusterRoles.Services)).Select(m => m.Address.ToString()).ToList();
        if (unreachable.Count > 0)
            return Task.FromResult(HealthCheckResult.Unhealthy($"services nodes unreachable: {string.Join(", ", unreachable)}"));
        return Task.FromResult(HealthCheckResult.Healthy(
            $"up; {state.Members.Count(m => m.Status == MemberStatus.Up)} members up, {state.Unreachable.Count} unreachable"));
    }
}

/// <summary>
/// The server makes no GitHub API calls of its own yet (it only receives webhooks), so there is
/// nothing to reach: reported healthy as not configured rather than failing readiness.
/// </summary>
/// <summary>
/// GitHub answers the server's token, when commit statuses are configured: a refused token or an
/// unreachable API is a misconfiguration the operator must fix, though builds go on meanwhile.
/// </summary>
public sealed class GitHubCheck(ServerOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (options.GitHub is not { } github) return HealthCheckResult.Healthy("not configured");
        var client = new Octokit.GitHubClient(new Octokit.ProductHeaderValue("circleactors"), github.ApiUrl) { Credentials = new Octokit.Credentials(github.Token) };
        try
        {
            var limits = await GitHub.CommitStatusNotifier.CountedAsync(() => client.RateLimit.GetRateLimits());
            return HealthCheckResult.Healthy($"{github.ApiUrl} answers; {limits.Resources.Core.Remaining} calls left this hour");
        }
        catch (Octokit.AuthorizationException)
        {
            return HealthCheckResult.Unhealthy($"{github.ApiUrl} refuses the token in CIRCLEACTORS_GITHUB_TOKEN");
        }
        catch (Exception ex) when (ex is Octokit.ApiException or HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{github.ApiUrl} cannot be reached: {ex.Message}");
        }
    }
}
