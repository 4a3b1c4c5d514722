using CircleActors.Actors.Blobs;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Config;

namespace CircleActors.Agent.Steps.Artifacts;

/// <summary>
/// <c>store_artifacts</c>: every file at <c>path</c> (a file or a directory tree) is uploaded on
/// its own under the job and task, named by <c>destination</c> (default: the path as written)
/// followed by its place below <c>path</c>. The server lists and serves them (the artifacts API).
/// </summary>
public static class ArtifactSteps
{
    public static async Task<StepOutcome> StoreAsync(StoreArtifactsStep step, StepContext context, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("artifacts");
        var source = context.Resolve(step.Path);
        var copy = scratch.PathOf("copy");
        if (!await context.Environment.CopyOutAsync(source, copy, cancellationToken).ConfigureAwait(false))
        {
            context.Say($"{source} does not exist: no artifacts uploaded\n");
            return StepOutcome.Success;
        }

        var prefix = Normalize(step.Destination ?? step.Path);
        var files = File.Exists(copy)
            ? [(copy, prefix.Length > 0 ? prefix : Path.GetFileName(source))]
            : Directory.EnumerateFiles(copy, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Where(f => new FileInfo(f).LinkTarget is null)
                .Order(StringComparer.Ordinal)
                .Select(f => (f, Join(prefix, Path.GetRelativePath(copy, f).Replace(Path.DirectorySeparatorChar, '/'))))
                .ToList();

        long total = 0;
        foreach (var (file, name) in files)
        {
            try
            {
                var stored = await context.Blobs.UploadAsync(BlobKey.Artifact(context.Task.JobId, context.Task.TaskIndex, name), file, cancellationToken)
                    .ConfigureAwait(false);
                total += stored.Length;
                context.Say($"Uploaded {name} ({Archives.Size(stored.Length)})\n");
            }
            catch (BlobTransferException ex)
            {
                throw new StepFailedException($"uploading the artifact {name} failed: {ex.Message}");
            }
        }
        context.Say($"Uploaded {files.Count} artifact{(files.Count == 1 ? "" : "s")} from {source} ({Archives.Size(total)})\n");
        return StepOutcome.Success;
    }

    /// <summary>An artifact path prefix: no leading <c>~/</c> or slashes, no <c>.</c> or <c>..</c> parts.</summary>
    internal static string Normalize(string path) =>
        string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p is not ("." or ".." or "~")));

    private static string Join(string prefix, string relative) => prefix.Length == 0 ? relative : prefix + "/" + relative;
}
