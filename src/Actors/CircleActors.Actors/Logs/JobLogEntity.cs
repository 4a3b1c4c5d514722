using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Logs;

/// <summary>
/// Writes one job's output into its log file in the blob store (<see cref="JobLogFile"/>). Not
/// persistent: the file itself is the state, each stream's length in it the offset the next
/// chunk of that stream must start at. Chunks are appended in order, repeats are acknowledged
/// without writing, a chunk after a gap is refused so the sender resends from the acknowledged length.
/// </summary>
/// <remarks>
/// The file is opened for each message and closed after it, never kept open between messages: a
/// busy server ends thousands of jobs within the idle period before their entities go away, and
/// files held open until then ran the process out of file descriptors (every further chunk of
/// every job then failed until the agents' retries found some closed). The streams' lengths are
/// read from the file once, when the entity starts.
/// </remarks>
public sealed class JobLogEntity : ReceiveActor
{
    private readonly BlobStore _blobs;
    private Dictionary<JobLogFile.Stream, long>? _lengths;
    private long _end;

    public JobLogEntity(BlobStore blobs)
    {
        _blobs = blobs;
        Receive<LogProtocol.LogChunk>(chunk => Sender.Tell(Append(chunk.JobId, [chunk])[0]));
        Receive<LogProtocol.LogChunks>(chunks => Sender.Tell(new LogProtocol.LogChunkAcks(Append(chunks.JobId, chunks.Chunks))));
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        // Idle logs go away; chunks wake them again.
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
    }

    public static Props PropsFor(BlobStore blobs) => Props.Create(() => new JobLogEntity(blobs));

    private List<LogProtocol.LogChunkAck> Append(JobId job, IReadOnlyList<LogProtocol.LogChunk> chunks)
    {
        var path = _blobs.JobLogPath(job);
        if (_lengths is null) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (_lengths is null)
        {
            (_lengths, _end) = JobLogFile.Scan(file);
            // A frame cut short by a crash: the chunk it carried was never acknowledged, and comes again.
            if (RandomAccess.GetLength(file) > _end) RandomAccess.SetLength(file, _end);
        }
        var acks = new List<LogProtocol.LogChunkAck>(chunks.Count);
        foreach (var chunk in chunks)
        {
            var stream = new JobLogFile.Stream(chunk.TaskIndex, chunk.Attempt, chunk.StepIndex);
            var length = _lengths.GetValueOrDefault(stream);
            var accepted = true;
            if (chunk.Offset == length)
            {
                var bytes = Encoding.UTF8.GetBytes(chunk.Data);
                // In the file before live followers hear of it: one that catches up reads the file.
                _end = JobLogFile.Append(file, _end, stream, bytes);
                _lengths[stream] = length += bytes.Length;
                if (chunk.StepIndex != LogProtocol.AgentLogStep)
                    Context.System.EventStream.Publish(new LogProtocol.StepOutputWritten(chunk.JobId, chunk.TaskIndex, chunk.Attempt, chunk.StepIndex, chunk.Offset, chunk.Data));
            }
            else if (chunk.Offset > length)
            {
                accepted = false;
            }
            acks.Add(new LogProtocol.LogChunkAck(chunk.JobId, chunk.TaskIndex, chunk.Attempt, chunk.StepIndex, length, accepted));
        }
        return acks;
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
