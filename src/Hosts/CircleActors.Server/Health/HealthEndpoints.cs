using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CircleActors.Server.Health;

/// <summary>
/// Health per component and one readiness answer, unauthenticated so load balancers and
/// orchestrators can ask. <c>/health-check</c>, <c>/healthcheck</c> and <c>/status</c> are the
/// same check under the names CircleCI's services answer to: 200 when every component is
/// healthy, 500 with each reason otherwise; <c>/{path}/{component}</c> checks one. <c>/ready</c>
/// answers 503 until every component but GitHub is up.
/// </summary>
public static class HealthEndpoints
{
    public static readonly IReadOnlyList<string> HealthPaths = ["/health-check", "/healthcheck", "/status"];
    public const string ReadyPath = "/ready";

    public sealed record ComponentView(string Name, string Status, string? Description, double DurationMs);

    public sealed record HealthView(string Status, IReadOnlyList<ComponentView> Components);

    public static IServiceCollection AddComponentHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<FrontendCheck>(Components.Frontend)
            .AddCheck<JournalCheck>(Components.Journal)
            .AddCheck<BlobStoreCheck>(Components.BlobStore)
            .AddCheck<SchedulerCheck>(Components.Scheduler)
            .AddCheck<ProjectorsCheck>(Components.Projectors)
            .AddCheck<ClusterCheck>(Components.Cluster)
            .AddCheck<GitHubCheck>(Components.GitHub);
        return services;
    }

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in HealthPaths)
        {
            app.MapGet(path, (HealthCheckService health, CancellationToken ct) =>
                Answer(health, _ => true, StatusCodes.Status500InternalServerError, ct));
            app.MapGet(path + "/{component}", (string component, HealthCheckService health, CancellationToken ct) =>
                Components.All.Contains(component)
                    ? Answer(health, check => check.Name == component, StatusCodes.Status500InternalServerError, ct)
                    : Task.FromResult(Api.ApiErrors.NotFound($"no component named {component}; components: {string.Join(", ", Components.All)}")));
        }
        // GitHub is outside: while it fails the node still builds (statuses wait), so it stays ready.
        app.MapGet(ReadyPath, (HealthCheckService health, CancellationToken ct) =>
            Answer(health, check => check.Name != Components.GitHub, StatusCodes.Status503ServiceUnavailable, ct));
    }

    private static async Task<IResult> Answer(HealthCheckService health, Func<HealthCheckRegistration, bool> which, int unhealthyStatus, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(which, ct);
        var view = new HealthView(Word(report.Status), report.Entries.Select(e =>
            new ComponentView(e.Key, Word(e.Value.Status), e.Value.Description ?? e.Value.Exception?.Message, Math.Round(e.Value.Duration.TotalMilliseconds, 1))).ToList());
        return Results.Json(view, statusCode: report.Status == HealthStatus.Unhealthy ? unhealthyStatus : StatusCodes.Status200OK);
    }

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
