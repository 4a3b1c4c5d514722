using CircleActors.Domain.Common;

namespace CircleActors.Actors.Blobs;

public enum BlobKind { Artifact, Cache, WorkspaceLayer }

/// <summary>
/// Names one blob. <paramref name="Scope"/> is the job id (artifacts, workspace layers) or the
/// project slug (caches); <paramref name="Name"/> is the artifact's <c>task/path</c>, the cache
/// key, or the layer's <c>task-step</c>. The blob store checks every key before it becomes a path.
/// </summary>
public sealed record BlobKey(BlobKind Kind, string Scope, string Name)
{
    public static BlobKey Artifact(JobId job, int taskIndex, string path) => new(BlobKind.Artifact, job.Value.ToString("N"), $"{taskIndex}/{path}");

    public static BlobKey Cache(ProjectSlug project, string key) => new(BlobKind.Cache, project.Value, key);

    public static BlobKey WorkspaceLayer(JobId job, int taskIndex, int stepIndex) =>
        new(BlobKind.WorkspaceLayer, job.Value.ToString("N"), $"{taskIndex}-{stepIndex:D4}");
}

/// <summary>A stored blob as the blob service describes it: what a download must come to.</summary>
public sealed record BlobInfo(BlobKey Key, long Length, string Sha256, DateTimeOffset StoredAt);

/// <summary>
/// Moving files between agents and the blob store on the services nodes (docs/agent-protocol.md,
/// "Blobs"). Bytes never travel inside these messages: they flow through Akka.Streams stream
/// refs the blob service hands out, in chunks of 64 KiB with demand from the receiving side, so
/// neither side holds more than a few chunks in memory.
/// </summary>
public static class BlobProtocol
{
    /// <summary>
    /// Agent → blob service: I will send <paramref name="Length"/> bytes whose SHA-256 (hex) is
    /// <paramref name="Sha256"/>. Answer: an <c>ISinkRef&lt;byte[]&gt;</c> to stream them into, or
    /// <see cref="Rejected"/> (a bad key; a cache key that exists already is a Conflict).
    /// </summary>
    public sealed record OpenUpload(Guid UploadId, BlobKey Key, long Length, string Sha256);

    /// <summary>
    /// Agent → blob service, after its stream completed: answers <see cref="BlobInfo"/> once the
    /// bytes are checked and in place, or <see cref="Rejected"/> with what went wrong. Safe to repeat.
    /// </summary>
    public sealed record AwaitUpload(Guid UploadId);

    /// <summary>Agent → blob service: answers an <c>ISourceRef&lt;byte[]&gt;</c> of the blob, or <see cref="Rejected"/> (NotFound).</summary>
    public sealed record OpenDownload(BlobKey Key);

    /// <summary>
    /// The newest cache of the project whose key starts with the first of <paramref name="Keys"/>
    /// that matches any (with <paramref name="Exact"/>, whose key is equal). Answer: <see cref="BlobList"/>, empty or of one.
    /// </summary>
    public sealed record FindCache(ProjectSlug Project, IReadOnlyList<string> Keys, bool Exact);

    /// <summary>The workspace layers of these jobs, in the jobs' order, each job's by task then step. Answer: <see cref="BlobList"/>.</summary>
    public sealed record FindWorkspaceLayers(IReadOnlyList<JobId> Jobs);

    public sealed record BlobList(IReadOnlyList<BlobInfo> Blobs);
}
