using CircleActors.Domain.Common;

namespace CircleActors.Actors.Logs;

/// <summary>
/// Step output travels as ordered chunks: each names its task attempt and step, and the byte
/// offset it starts at in that step's log. The receiver appends a chunk only when its offset is
/// the log's current length, so a chunk sent twice is written once, and acknowledges the length
/// it has; the sender waits for each acknowledgement before the next chunk (backpressure).
/// </summary>
public static class LogProtocol
{
    public sealed record LogChunk(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Offset, string Data);

    /// <summary>The step log's length after the chunk; <paramref name="Accepted"/> is false for a gap.</summary>
    public sealed record LogChunkAck(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Length, bool Accepted);

    /// <summary>
    /// Published on the local event stream once a chunk is in the step's log file, for live
    /// followers (the web UI, <c>circleactors logs --follow</c>); the live hub sends it on to
    /// every services node over distributed pub-sub, since a follower may be connected to any.
    /// </summary>
    public sealed record StepOutputWritten(JobId JobId, int TaskIndex, int Attempt, int StepIndex, long Offset, string Data);
}
