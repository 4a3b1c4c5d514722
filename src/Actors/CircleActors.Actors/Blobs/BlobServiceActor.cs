using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.IO;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Blobs;

/// <summary>
/// The services side of blob transfers (docs/agent-protocol.md, "Blobs"): hands out stream refs
/// to write uploads into the blob store and to read archives out of it, and answers lookups.
/// </summary>
/// <remarks>
/// Runs as a cluster singleton on the services role, next to the blob store directory it owns.
/// It only sets transfers up: the bytes flow through streams it materializes, and the file work
/// that ends an upload (checking, moving into place) runs off its thread, so one slow transfer
/// never holds up another. An upload's outcome is kept for <see cref="OutcomeKept"/> so a
/// repeated <see cref="BlobProtocol.AwaitUpload"/> gets the same answer.
/// </remarks>
public sealed class BlobServiceActor : ReceiveActor
{
    /// <summary>Chunks of a download; well under the remoting frame size (hocon/cluster.conf).</summary>
    public const int ChunkSize = 64 * 1024;

    private static readonly TimeSpan OutcomeKept = TimeSpan.FromMinutes(10);

    private readonly BlobStore _store;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Guid, Task<object>> _uploads = new();

    private sealed record Forget(Guid UploadId);

    public BlobServiceActor(BlobStore store)
    {
        _store = store;
        _materializer = Context.Materializer();
        Receive<BlobProtocol.OpenUpload>(OpenUpload);
        Receive<BlobProtocol.AwaitUpload>(wait =>
        {
            if (_uploads.TryGetValue(wait.UploadId, out var outcome)) outcome.PipeTo(Sender);
            else Sender.Tell(new Rejected(RejectionKind.NotFound, $"no upload {wait.UploadId} is known here (it ended over {OutcomeKept} ago, or the blob service restarted)"));
        });
        Receive<Forget>(forget => _uploads.Remove(forget.UploadId));
        Receive<BlobProtocol.OpenDownload>(OpenDownload);
        Receive<BlobProtocol.FindCache>(find => Sender.Tell(new BlobProtocol.BlobList(
            _store.FindCache(find.Project, find.Keys, find.Exact) is { } cache ? [cache] : [])));
        Receive<BlobProtocol.FindWorkspaceLayers>(find => Sender.Tell(new BlobProtocol.BlobList(_store.WorkspaceLayers(find.Jobs))));
    }

    /// <summary>
    /// Uploads a crashed run of this service left half-written are removed: as the one blob
    /// service of the cluster, no transfer of its own is under way yet.
    /// </summary>
    protected override void PreStart()
    {
        var temporary = Path.GetDirectoryName(_store.TemporaryPath(Guid.Empty))!;
        if (!Directory.Exists(temporary)) return;
        foreach (var leftover in Directory.EnumerateFiles(temporary))
        {
            try { File.Delete(leftover); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { _log.Warning("could not remove {0}: {1}", leftover, ex.Message); }
        }
    }

    public static Props PropsFor(BlobStore store) => Props.Create(() => new BlobServiceActor(store));

    private void OpenUpload(BlobProtocol.OpenUpload open)
    {
        if (_uploads.ContainsKey(open.UploadId))
        {
            Sender.Tell(new Rejected(RejectionKind.Conflict, $"upload {open.UploadId} was opened already"));
            return;
        }
        var (path, error) = _store.PathOf(open.Key);
        if (path is null)
        {
            Sender.Tell(new Rejected(RejectionKind.Invalid, error!));
            return;
        }
        // Caches are immutable: the first save of a key wins.
        var immutable = open.Key.Kind == BlobKind.Cache;
        if (immutable && _store.Describe(open.Key) is not null)
        {
            Sender.Tell(new Rejected(RejectionKind.Conflict, $"a cache with key {open.Key.Name} exists already"));
            return;
        }

        var temporary = _store.TemporaryPath(open.UploadId);
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var (sinkRef, written) = StreamRefs.SinkRef<byte[]>()
            .Select(bytes =>
            {
                hash.AppendData(bytes);
                return ByteString.FromBytes(bytes);
            })
            .ToMaterialized(FileIO.ToFile(new FileInfo(temporary)), Keep.Both)
            .Run(_materializer);

        var key = open.Key;
        var log = _log;
        var outcome = written.ContinueWith(write =>
        {
            using (hash)
            {
                try
                {
                    if (write.IsFaulted || write.IsCanceled)
                        return Refuse($"the upload stream broke: {write.Exception?.GetBaseException().Message ?? "canceled"}");
                    // A file sink reports a broken upstream in its result rather than by failing.
                    if (!write.Result.WasSuccessful)
                        return Refuse($"the upload stream broke: {write.Result.Error?.Message ?? "unknown error"}");
                    var length = new FileInfo(temporary).Length;
                    var sha = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                    if (length != open.Length || sha != open.Sha256)
                        return Refuse($"the upload arrived damaged: {length} bytes with SHA-256 {sha}, expected {open.Length} bytes with {open.Sha256}");
                    var info = new BlobInfo(key, length, sha, DateTimeOffset.UtcNow);
                    if (!_store.Commit(temporary, path, info, overwrite: !immutable))
                        return new Rejected(RejectionKind.Conflict, $"a cache with key {key.Name} exists already");
                    return info;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    log.Error(ex, "storing blob {0} failed", key);
                    return Refuse($"the blob store could not keep the upload: {ex.Message}");
                }
            }
        }, TaskScheduler.Default);
        _uploads[open.UploadId] = outcome;
        var self = Self;
        var scheduler = Context.System.Scheduler;
        outcome.ContinueWith(_ => scheduler.ScheduleTellOnce(OutcomeKept, self, new Forget(open.UploadId), ActorRefs.NoSender),
            TaskScheduler.Default);
        sinkRef.PipeTo(Sender);

        object Refuse(string reason)
        {
            if (key.Kind == BlobKind.Artifact) Metrics.CircleMeter.ArtifactUploadErrors.Add(1);
            try { File.Delete(temporary); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { log.Warning("could not remove {0}: {1}", temporary, ex.Message); }
            return new Rejected(RejectionKind.Invalid, reason);
        }
    }

    private void OpenDownload(BlobProtocol.OpenDownload open)
    {
        var (path, error) = _store.PathOf(open.Key);
        if (path is null || !BlobStore.HasMetadata(open.Key.Kind))
        {
            Sender.Tell(new Rejected(RejectionKind.Invalid, error ?? "only caches and workspace layers are downloaded"));
            return;
        }
        if (!File.Exists(path))
        {
            Sender.Tell(new Rejected(RejectionKind.NotFound, $"no {open.Key.Kind} {open.Key.Name} is stored"));
            return;
        }
        FileIO.FromFile(new FileInfo(path), ChunkSize)
            .Select(chunk => chunk.ToArray())
            .RunWith(StreamRefs.SourceRef<byte[]>(), _materializer)
            .PipeTo(Sender);
    }
}

/// <summary>Registry key of the blob service singleton (or its proxy on an agent-only node).</summary>
public sealed class BlobServiceSingleton;
