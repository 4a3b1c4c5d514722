using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Workflows;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>/api/v2/insights/{slug}/workflows[/{name}[/jobs]]</c> in CircleCI's shapes, over the
/// project's finished workflows and jobs in the read store (the latest <see cref="Window"/> of
/// each). Credits are not counted here, so <c>total_credits_used</c> is 0.
/// </summary>
public static class InsightsApi
{
    public const int Window = 250;

    public sealed record DurationMetrics(long Min, long Max, long Median, long Mean, long P95, double StandardDeviation);

    public sealed record Metrics(double SuccessRate, int TotalRuns, int FailedRuns, int SuccessfulRuns, double Throughput, DurationMetrics DurationMetrics, long TotalCreditsUsed);

    public sealed record SummaryView(string Name, Metrics Metrics, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string ProjectId);

    public sealed record RunView(string Id, string? Branch, long Duration, DateTimeOffset CreatedAt, DateTimeOffset StoppedAt, long CreditsUsed, string Status);

    /// <summary>One finished run: its name, outcome, when it started and how long it took.</summary>
    private sealed record Run(string Id, string Name, string? Branch, string Status, DateTimeOffset CreatedAt, DateTimeOffset StoppedAt)
    {
        public long Seconds => (long)Math.Round((StoppedAt - CreatedAt).TotalSeconds);
    }

    private static readonly string[] FinishedWorkflows = ["success", "failed", "error", "canceled"];
    private static readonly string[] FinishedJobs = ["success", "failed", "canceled", "infrastructure_fail", "timedout"];

    public static void MapInsights(this RouteGroupBuilder api)
    {
        var insights = api.MapGroup("/insights/{vcs}/{org}/{repo}");
        insights.MapGet("/workflows", async (string vcs, string org, string repo, ReadDocuments documents) =>
            await WithSlug(vcs, org, repo, async slug => Summaries(slug, await WorkflowRunsAsync(slug, documents))));
        insights.MapGet("/workflows/{name}", async (string vcs, string org, string repo, string name, ReadDocuments documents) =>
            await WithSlug(vcs, org, repo, async slug => Results.Json(new Page<RunView>((await WorkflowRunsAsync(slug, documents))
                .Where(r => r.Name == name).Select(r => new RunView(r.Id, r.Branch, r.Seconds, r.CreatedAt, r.StoppedAt, 0, r.Status)).ToList()))));
        insights.MapGet("/workflows/{name}/jobs", async (string vcs, string org, string repo, string name, ReadDocuments documents) =>
            await WithSlug(vcs, org, repo, async slug => Summaries(slug, await JobRunsAsync(slug, name, documents))));
    }

    private static async Task<IResult> WithSlug(string vcs, string org, string repo, Func<ProjectSlug, Task<IResult>> answer) =>
        ProjectSlug.TryParse($"{vcs}/{org}/{repo}", out var slug) ? await answer(slug) : ApiErrors.BadRequest($"{vcs}/{org}/{repo} is not a project slug");

    /// <summary>Finished workflows, newest first; a workflow ends when its last job stopped.</summary>
    private static async Task<IReadOnlyList<Run>> WorkflowRunsAsync(ProjectSlug slug, ReadDocuments documents)
    {
        var workflows = (await documents.WithStatusAsync<WorkflowState>(DocumentProjection.WorkflowKind, slug.Value, FinishedWorkflows))
            .OrderByDescending(w => w.Started!.At).Take(Window);
        var runs = new List<Run>();
        foreach (var workflow in workflows)
        {
            var view = await PipelinesApi.ViewOf(workflow, documents);
            runs.Add(new Run(view.Id, view.Name, workflow.Started!.Context.Branch, view.Status, view.CreatedAt, view.StoppedAt ?? view.CreatedAt));
        }
        return runs;
    }

    /// <summary>Finished jobs of one workflow, newest first, timed from start to stop.</summary>
    private static async Task<IReadOnlyList<Run>> JobRunsAsync(ProjectSlug slug, string workflowName, ReadDocuments documents) =>
        (await documents.WithStatusAsync<JobState>(DocumentProjection.JobKind, slug.Value, FinishedJobs))
        .Where(j => j.Template?.WorkflowName == workflowName && j is { StartedAt: not null, StoppedAt: not null })
        .OrderByDescending(j => j.StartedAt).Take(Window)
        .Select(j => new Run(j.Id.ToString(), j.Template!.JobName, null, j.Status.ToWire(), j.StartedAt!.Value, j.StoppedAt!.Value))
        .ToList();

    private static IResult Summaries(ProjectSlug slug, IReadOnlyList<Run> runs) => Results.Json(new Page<SummaryView>(runs
        .GroupBy(r => r.Name).OrderBy(g => g.Key)
        .Select(g => new SummaryView(g.Key, MetricsOf(g.ToList()), g.Min(r => r.CreatedAt), g.Max(r => r.StoppedAt), slug.Value)).ToList()));

    private static Metrics MetricsOf(IReadOnlyList<Run> runs)
    {
        var successful = runs.Count(r => r.Status == "success");
        var failed = runs.Count(r => r.Status is "failed" or "error" or "infrastructure_fail" or "timedout");
        var seconds = runs.Select(r => r.Seconds).Order().ToList();
        var mean = seconds.Average();
        var days = Math.Max(1, (runs.Max(r => r.StoppedAt) - runs.Min(r => r.CreatedAt)).TotalDays);
        return new Metrics((double)successful / runs.Count, runs.Count, failed, successful, runs.Count / days,
            new DurationMetrics(seconds[0], seconds[^1], Percentile(seconds, 0.5), (long)Math.Round(mean), Percentile(seconds, 0.95),
                Math.Sqrt(seconds.Average(s => (s - mean) * (s - mean)))), 0);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static long Percentile(IReadOnlyList<long> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
