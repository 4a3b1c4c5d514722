using CircleActors.Actors.Blobs;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>/api/v2/project/{slug}/{job_number}/artifacts</c>: a job's artifacts in CircleCI's v2
/// shape, and each artifact's file at its <c>url</c>, served by <see cref="ArtifactContentTypes"/>.
/// The listing is read from the blob store, where each artifact is a file written in one rename,
/// so it is as durable as the artifacts themselves.
/// </summary>
public static class ArtifactsApi
{
    public sealed record ArtifactView(string Path, int NodeIndex, string Url);

    public static void MapArtifacts(this RouteGroupBuilder api)
    {
        var job = api.MapGroup("/project/{vcs}/{org}/{repo}/{number:long}/artifacts");
        job.MapGet("", ListArtifacts);
        // A large file may take longer than the deadline to send.
        job.MapGet("/{node:int}/{**path}", GetArtifact).DisableRequestTimeout();
    }

    private static Task<IResult> ListArtifacts(string vcs, string org, string repo, long number, HttpRequest request,
        Entities entities, ReadDocuments documents, BlobStore blobs, CancellationToken ct) =>
        WithJob(vcs, org, repo, number, entities, documents, ct, (project, job) =>
        {
            var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}/api/v2/project/{project.Slug}/{number}/artifacts";
            var items = blobs.Artifacts(job.Id)
                .Select(a => new ArtifactView(a.Path, a.TaskIndex, $"{baseUrl}/{a.TaskIndex}/{string.Join('/', a.Path.Split('/').Select(Uri.EscapeDataString))}"))
                .ToList();
            return Task.FromResult(Results.Json(new Page<ArtifactView>(items)));
        });

    private static Task<IResult> GetArtifact(string vcs, string org, string repo, long number, int node, string path, HttpContext http,
        Entities entities, ReadDocuments documents, BlobStore blobs, ServerOptions options, CancellationToken ct) =>
        WithJob(vcs, org, repo, number, entities, documents, ct, (_, job) =>
        {
            var (file, error) = blobs.PathOf(BlobKey.Artifact(job.Id, node, path));
            if (file is null) return Task.FromResult(ApiErrors.BadRequest(error!));
            if (!File.Exists(file)) return Task.FromResult(ApiErrors.NotFound($"job {number} has no artifact {path} on node {node}"));
            var serving = ArtifactContentTypes.For(path, options.ServeUnsafeArtifacts);
            // Without it a browser may second-guess text/plain and run what it finds.
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Task.FromResult(Results.File(file, serving.ContentType,
                fileDownloadName: serving.Attachment ? Path.GetFileName(file) : null, enableRangeProcessing: true));
        });

    private static Task<IResult> WithJob(string vcs, string org, string repo, long number, Entities entities, ReadDocuments documents, CancellationToken ct,
        Func<ProjectState, JobState, Task<IResult>> action) =>
        ApiErrors.Guard(async () =>
        {
            if (!ProjectSlug.TryParse($"{vcs}/{org}/{repo}", out var slug)) return ApiErrors.BadRequest($"{vcs}/{org}/{repo} is not a project slug");
            var project = await Reliably.AskForAsync<ProjectState>(entities.Projects, new ProjectQueries.GetProject(slug), ct);
            var job = await documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, project.Slug.Value, number, ct: ct);
            return job is null ? ApiErrors.NotFound($"job {number} not found in {project.Slug}") : await action(project, job);
        });
}
