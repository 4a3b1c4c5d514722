using CircleActors.Actors.Projections;
using CircleActors.Actors.TestResults;
using CircleActors.Domain.TestResults;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary><c>GET /api/v2/project/{slug}/{job_number}/tests</c>: the test cases a job stored, in CircleCI's v2 shape.</summary>
public static class TestsApi
{
    /// <summary>One test case as CircleCI's API lists it (<c>run_time</c> in seconds).</summary>
    public sealed record TestView(string Message, string Source, double RunTime, string File, string Result, string Name, string Classname)
    {
        public static TestView From(TestCaseResult c) =>
            new(c.Message ?? "", c.Source, c.RunTime, c.File ?? "", c.Result.ToWire(), c.Name, c.Classname ?? "");
    }

    public static void MapTests(this RouteGroupBuilder api) =>
        api.MapGet("/project/{vcs}/{org}/{repo}/{number:long}/tests", ListTests);

    private static Task<IResult> ListTests(string vcs, string org, string repo, long number, Entities entities, ReadDocuments documents, TestResultsReadModel tests,
        CancellationToken ct) =>
        ProjectsApi.WithKnownProject(vcs, org, repo, entities, documents, ct, async project =>
        {
            var cases = await tests.ForJobAsync(project, number);
            if (cases is null) return ApiErrors.NotFound($"job {number} not found in {project}");
            // Every stored case comes back at once: a job stores thousands at most, so no paging yet.
            return Results.Json(new Page<TestView>(cases.Select(TestView.From).ToList()));
        });
}
