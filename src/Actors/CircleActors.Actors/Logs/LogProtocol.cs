using CircleActors.Domain.Common;

namespace CircleActors.Actors.Logs;

/// <summary>
/// Step output travels as ordered chunks: each names its task attempt and step, and the byte
/// offset it starts at in that step's log. The receiver appends a chunk only when its offset is
/// the log's current length, so a chunk sent twice is written once, and acknowledges the length
/// it has; the sender waits for each acknowledgement before the next chunks (backpressure).
/// </summary>
public static class LogProtocol
{
    /// <summary>
    /// The step index of the agent's own log for a task attempt: its lines about the task
    /// (assigned, environment prepared and removed, cancel, end), stored as <c>agent.log</c>
    /// beside the step logs. Carried as chunks like step output, so it gets the same ordering,
    /// deduplication and backpressure; not published to live followers, which show steps.
    /// </summary>
    public const int AgentLogStep = -1;

    public sealed record LogChunk(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Offset, string Data);

    /// <summary>The step log's length after the chunk; <paramref name="Accepted"/> is false for a gap.</summary>
    public sealed record LogChunkAck(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Length, bool Accepted);

    /// <summary>
    /// The chunks of one job's logs that queued up while the one before them was in flight (a step's
    /// output and the agent's lines around it), in the order they were printed: each is appended or
    /// refused as if it came alone, and the answer is <see cref="LogChunkAcks"/>.
    /// </summary>
    public sealed record LogChunks(JobId JobId, IReadOnlyList<LogChunk> Chunks);

    /// <summary>One acknowledgement per chunk of <see cref="LogChunks"/>, in the same order.</summary>
    public sealed record LogChunkAcks(IReadOnlyList<LogChunkAck> Acks);

    /// <summary>
    /// Published on the local event stream once a chunk is in the step's log file, for live
    /// followers (the web UI, <c>circleactors logs --follow</c>); the live hub sends it on to
    /// every services node over distributed pub-sub, since a follower may be connected to any.
    /// </summary>
    public sealed record StepOutputWritten(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Offset, string Data);
}
