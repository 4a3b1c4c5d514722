using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Logs;

/// <summary>
/// Writes one job's step output into the blob store. Not persistent: the log file itself is
/// the state, its length the offset the next chunk must start at. Chunks are appended in
/// order, repeats are acknowledged without writing, a chunk after a gap is refused so the
/// sender resends from the acknowledged length.
/// </summary>
/// <remarks>
/// A file is opened for each chunk and closed after it, never kept open between chunks: a busy
/// server ends thousands of jobs within the idle period before their entities go away, and
/// files held open until then ran the process out of file descriptors (every further chunk of
/// every job then failed until the agents' retries found some closed).
/// </remarks>
public sealed class JobLogEntity : ReceiveActor
{
    private readonly BlobStore _blobs;
    // All of the job's logs are in one directory: made once, before the first file.
    private bool _directoryMade;

    public JobLogEntity(BlobStore blobs)
    {
        _blobs = blobs;
        Receive<LogProtocol.LogChunk>(chunk => Sender.Tell(Append(chunk)));
        Receive<LogProtocol.LogChunks>(chunks => Sender.Tell(new LogProtocol.LogChunkAcks(chunks.Chunks.Select(Append).ToList())));
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        // Idle logs go away; chunks wake them again.
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
    }

    public static Props PropsFor(BlobStore blobs) => Props.Create(() => new JobLogEntity(blobs));

    private LogProtocol.LogChunkAck Append(LogProtocol.LogChunk chunk)
    {
        var path = _blobs.LogPath(chunk.JobId, chunk.TaskIndex, chunk.Attempt, chunk.StepIndex);
        if (!_directoryMade)
        {
            Directory.CreateDirectory(_blobs.JobLogDirectory(chunk.JobId));
            _directoryMade = true;
        }

        // A handle, not a FileStream: the stream's 4 KiB buffer per chunk was a tenth of what a
        // dispatch benchmark allocated, and a chunk is written in one call anyway.
        using var file = File.OpenHandle(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var length = RandomAccess.GetLength(file);
        var accepted = true;
        if (chunk.Offset == length)
        {
            var bytes = Encoding.UTF8.GetBytes(chunk.Data);
            // Written through to the file before live followers hear of it: one that catches up reads the file.
            RandomAccess.Write(file, bytes, length);
            length += bytes.Length;
            if (chunk.StepIndex != LogProtocol.AgentLogStep)
                Context.System.EventStream.Publish(new LogProtocol.StepOutputWritten(chunk.JobId, chunk.TaskIndex, chunk.Attempt, chunk.StepIndex, chunk.Offset, chunk.Data));
        }
        else if (chunk.Offset > length)
        {
            accepted = false;
        }
        return new LogProtocol.LogChunkAck(chunk.JobId, chunk.TaskIndex, chunk.Attempt, chunk.StepIndex, length, accepted);
    }
}

public sealed class JobLogMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message switch
    {
        LogProtocol.LogChunk m => m.JobId.Value.ToString(),
        LogProtocol.LogChunks m => m.JobId.Value.ToString(),
        _ => null,
    };
}

/// <summary>Registry key of the job log shard region.</summary>
public sealed class JobLogRegion;
