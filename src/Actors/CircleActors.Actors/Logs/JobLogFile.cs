using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace CircleActors.Actors.Logs;

/// <summary>
/// The format of a job's log file: every stream of the job (each step of each attempt of each
/// parallel task, and the agent's own log of each attempt) in one file, as frames in the order
/// they were written. A frame is a 16-byte header (task index, attempt, step index, data length;
/// little-endian 32-bit integers) and its UTF-8 data. A stream's text is its frames' data in
/// order; its length is the offset the log protocol counts in.
/// </summary>
/// <remarks>
/// One file per job rather than one per stream: creating files was the costliest part of storing
/// a short job's output, a directory and three files per job (docs/performance.md). The job log
/// entity is the file's one writer and appends each frame in one write; readers may meet a frame
/// still being written at the end, and take only whole frames. A frame cut short by a crash is
/// cut off by the next writer before it appends.
/// </remarks>
public static class JobLogFile
{
    public const int HeaderLength = 16;

    /// <summary>One stream of a job's log: <see cref="LogProtocol.AgentLogStep"/> as the step is the agent's log of the attempt.</summary>
    public readonly record struct Stream(int TaskIndex, int Attempt, int StepIndex);

    /// <summary>
    /// Each stream's length in the file's whole frames, and where the last of them ends; reads the
    /// headers only, for the writer.
    /// </summary>
    public static (Dictionary<Stream, long> Lengths, long End) Scan(SafeFileHandle file)
    {
        var lengths = new Dictionary<Stream, long>();
        var fileLength = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[HeaderLength];
        long at = 0;
        while (at + HeaderLength <= fileLength && RandomAccess.Read(file, header, at) == HeaderLength &&
               WholeFrame(header, fileLength - at - HeaderLength) is var (stream, length))
        {
            lengths[stream] = lengths.GetValueOrDefault(stream) + length;
            at += HeaderLength + length;
        }
        return (lengths, at);
    }

    /// <summary>Appends one frame at <paramref name="end"/> (the end of the last whole frame) in one write.</summary>
    /// <returns>The new end.</returns>
    public static long Append(SafeFileHandle file, long end, Stream stream, ReadOnlySpan<byte> data)
    {
        var frame = new byte[HeaderLength + data.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, stream.TaskIndex);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), stream.Attempt);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), stream.StepIndex);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), data.Length);
        data.CopyTo(frame.AsSpan(HeaderLength));
        RandomAccess.Write(file, frame, end);
        return end + frame.Length;
    }

    /// <summary>
    /// Every stream the file has, in task, attempt and step order, with its bytes as far as they
    /// are written: the whole file is read once, the way a reader of a job's output needs it.
    /// Nothing for a job with no log yet.
    /// </summary>
    public static IReadOnlyList<(Stream Stream, byte[] Data)> ReadAll(string path)
    {
        using var file = OpenForReading(path);
        if (file is null) return [];
        var content = new byte[RandomAccess.GetLength(file)];
        content = content[..RandomAccess.Read(file, content, 0)];
        var streams = new Dictionary<Stream, MemoryStream>();
        var at = 0;
        while (at + HeaderLength <= content.Length &&
               WholeFrame(content.AsSpan(at, HeaderLength), content.Length - at - HeaderLength) is var (stream, length))
        {
            if (!streams.TryGetValue(stream, out var data)) streams[stream] = data = new MemoryStream();
            data.Write(content, at + HeaderLength, length);
            at += HeaderLength + length;
        }
        return streams.OrderBy(s => s.Key.TaskIndex).ThenBy(s => s.Key.Attempt).ThenBy(s => s.Key.StepIndex)
            .Select(s => (s.Key, s.Value.ToArray())).ToList();
    }

    /// <summary>Up to <paramref name="count"/> bytes of one stream from <paramref name="offset"/>, as far as it is written.</summary>
    public static byte[] Read(string path, Stream stream, long offset = 0, long count = long.MaxValue)
    {
        var data = ReadAll(path).FirstOrDefault(s => s.Stream == stream).Data ?? [];
        if (offset >= data.Length) return [];
        return data.AsSpan((int)offset, (int)Math.Min(count, data.Length - offset)).ToArray();
    }

    /// <summary>The stream and data length a header names, when the frame's data is all there (<paramref name="dataAvailable"/> bytes follow it).</summary>
    private static (Stream Stream, int Length)? WholeFrame(ReadOnlySpan<byte> header, long dataAvailable)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (length < 0 || length > dataAvailable) return null;
        return (new Stream(BinaryPrimitives.ReadInt32LittleEndian(header), BinaryPrimitives.ReadInt32LittleEndian(header[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[8..])), length);
    }

    private static SafeFileHandle? OpenForReading(string path)
    {
        try
        {
            // Shared for writing: the job's log entity may be appending to it.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
