using CircleActors.Actors.Blobs;
using CircleActors.Domain.Common;

namespace CircleActors.Agent.Steps.Blobs;

/// <summary>
/// Moves files between the agent's host and the blob store on the services nodes. Every call
/// streams (bounded memory, whatever the file's size) and checks SHA-256 end to end.
/// </summary>
public interface IBlobTransfer
{
    /// <summary>Uploads a file on the agent's host; returns the stored blob once it is checked and in place.</summary>
    /// <exception cref="BlobTransferException">The blob service refused it (a cache key that exists is <see cref="RejectionKind.Conflict"/>) or did not answer.</exception>
    Task<BlobInfo> UploadAsync(BlobKey key, string file, CancellationToken cancellationToken);

    /// <summary>Downloads a stored archive to a file on the agent's host.</summary>
    /// <exception cref="BlobCorruptException">What arrived does not have the length and SHA-256 recorded when it was stored.</exception>
    /// <exception cref="BlobTransferException">The blob service refused or did not answer.</exception>
    Task DownloadAsync(BlobInfo blob, string file, CancellationToken cancellationToken);

    Task<BlobInfo?> FindCacheAsync(ProjectSlug project, IReadOnlyList<string> keys, bool exact, CancellationToken cancellationToken);

    Task<IReadOnlyList<BlobInfo>> FindWorkspaceLayersAsync(IReadOnlyList<JobId> jobs, CancellationToken cancellationToken);
}

public class BlobTransferException(string message, RejectionKind? kind = null, Exception? inner = null) : Exception(message, inner)
{
    public RejectionKind? Kind { get; } = kind;
}

public sealed class BlobCorruptException(string message) : Exception(message);
