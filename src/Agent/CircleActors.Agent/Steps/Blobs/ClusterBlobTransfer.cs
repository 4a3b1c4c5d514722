using System.Security.Cryptography;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.IO;
using CircleActors.Actors.Blobs;
using CircleActors.Domain.Common;

namespace CircleActors.Agent.Steps.Blobs;

/// <summary>
/// <see cref="IBlobTransfer"/> over the cluster: asks the blob service (a singleton proxy on an
/// agent-only node) for stream refs and runs the streams here. Thread-safe; one per agent.
/// </summary>
public sealed class ClusterBlobTransfer(ActorSystem system, IActorRef blobService) : IBlobTransfer
{
    // Setting a transfer up is a round trip to a singleton; past this the services side is gone.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    // Creating the materializer also loads Akka.Streams' settings, the stream-ref serializer among them.
    private readonly IMaterializer _materializer = system.Materializer();

    public async Task<BlobInfo> UploadAsync(BlobKey key, string file, CancellationToken cancellationToken)
    {
        var (length, sha) = await HashAsync(file, cancellationToken).ConfigureAwait(false);
        var upload = Guid.NewGuid();
        var sinkRef = await AskAsync<ISinkRef<byte[]>>(new BlobProtocol.OpenUpload(upload, key, length, sha), cancellationToken).ConfigureAwait(false);

        var (killSwitch, sent) = FileIO.FromFile(new FileInfo(file), BlobServiceActor.ChunkSize)
            .Select(chunk => chunk.ToArray())
            .ViaMaterialized(KillSwitches.Single<byte[]>(), Keep.Right)
            .WatchTermination(Keep.Both)
            .To(sinkRef.Sink)
            .Run(_materializer);
        await StreamedAsync(sent, killSwitch, $"uploading {key.Name}", cancellationToken).ConfigureAwait(false);
        return await AskAsync<BlobInfo>(new BlobProtocol.AwaitUpload(upload), cancellationToken).ConfigureAwait(false);
    }

    public async Task DownloadAsync(BlobInfo blob, string file, CancellationToken cancellationToken)
    {
        var sourceRef = await AskAsync<ISourceRef<byte[]>>(new BlobProtocol.OpenDownload(blob.Key), cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var (killSwitch, written) = sourceRef.Source
            .ViaMaterialized(KillSwitches.Single<byte[]>(), Keep.Right)
            .Select(chunk =>
            {
                hash.AppendData(chunk);
                return ByteString.FromBytes(chunk);
            })
            .ToMaterialized(FileIO.ToFile(new FileInfo(file)), Keep.Both)
            .Run(_materializer);
        await StreamedAsync(written, killSwitch, $"downloading {blob.Key.Name}", cancellationToken).ConfigureAwait(false);
        // A file sink reports a broken upstream in its result rather than by failing.
        if (!written.Result.WasSuccessful)
            throw new BlobTransferException($"downloading {blob.Key.Name} failed: {written.Result.Error?.Message ?? "unknown error"}");
        var length = new FileInfo(file).Length;
        var sha = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        if (length != blob.Length || sha != blob.Sha256)
            throw new BlobCorruptException($"{length} bytes with SHA-256 {sha[..12]}… arrived, but {blob.Length} bytes with {blob.Sha256[..12]}… were stored");
    }

    public async Task<BlobInfo?> FindCacheAsync(ProjectSlug project, IReadOnlyList<string> keys, bool exact, CancellationToken cancellationToken) =>
        (await AskAsync<BlobProtocol.BlobList>(new BlobProtocol.FindCache(project, keys, exact), cancellationToken).ConfigureAwait(false))
        .Blobs.FirstOrDefault();

    public async Task<IReadOnlyList<BlobInfo>> FindWorkspaceLayersAsync(IReadOnlyList<JobId> jobs, CancellationToken cancellationToken) =>
        (await AskAsync<BlobProtocol.BlobList>(new BlobProtocol.FindWorkspaceLayers(jobs), cancellationToken).ConfigureAwait(false)).Blobs;

    /// <summary>Waits for a transfer's stream to end; cancelling aborts it, a broken stream is a <see cref="BlobTransferException"/>.</summary>
    private static async Task StreamedAsync(Task finished, IKillSwitch killSwitch, string what, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() => killSwitch.Abort(new OperationCanceledException($"{what} was canceled"))).ConfigureAwait(false))
        {
            try
            {
                await finished.ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BlobTransferException($"{what} failed: {ex.GetBaseException().Message}", inner: ex);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task<T> AskAsync<T>(object message, CancellationToken cancellationToken)
    {
        object reply;
        try
        {
            reply = await blobService.Ask<object>(message, AskTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException ex)
        {
            throw new BlobTransferException($"the blob service did not answer within {AskTimeout.TotalSeconds:0} s", inner: ex);
        }
        return reply switch
        {
            T answer => answer,
            Rejected rejected => throw new BlobTransferException(rejected.Reason, rejected.Kind),
            Status.Failure failure => throw new BlobTransferException($"the blob service failed: {failure.Cause.Message}", inner: failure.Cause),
            _ => throw new BlobTransferException($"the blob service answered {reply.GetType().Name}"),
        };
    }

    /// <summary>Length and SHA-256 (hex) of a file, read once in chunks.</summary>
    public static async Task<(long Length, string Sha256)> HashAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var sha = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return (stream.Length, Convert.ToHexString(sha).ToLowerInvariant());
    }
}
