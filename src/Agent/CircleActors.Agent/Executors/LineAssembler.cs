using System.Text;

namespace CircleActors.Agent.Executors;

/// <summary>
/// Turns a byte stream into complete UTF-8 lines, so output from stdout and stderr interleaves
/// by line and a multi-byte character split across reads is never garbled.
/// </summary>
internal sealed class LineAssembler(Action<string> emit)
{
    // A line longer than this is cut, so a process that never prints '\n' cannot grow memory.
    private const int MaxPendingChars = 64 * 1024;

    private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder pending = new();
    private char[] chars = new char[4096];

    public void Write(ReadOnlySpan<byte> bytes)
    {
        var needed = decoder.GetCharCount(bytes, flush: false);
        if (needed > chars.Length) chars = new char[Math.Max(needed, chars.Length * 2)];
        var count = decoder.GetChars(bytes, chars, flush: false);
        pending.Append(chars, 0, count);
        EmitCompleteLines();
    }

    /// <summary>Emits what is left, ending it with '\n'.</summary>
    public void Flush()
    {
        var count = decoder.GetChars(ReadOnlySpan<byte>.Empty, chars, flush: true);
        pending.Append(chars, 0, count);
        EmitCompleteLines();
        if (pending.Length > 0)
        {
            pending.Append('\n');
            emit(pending.ToString());
            pending.Clear();
        }
    }

    private void EmitCompleteLines()
    {
        var lastNewline = -1;
        for (var i = pending.Length - 1; i >= 0; i--)
        {
            if (pending[i] == '\n') { lastNewline = i; break; }
        }
        if (lastNewline >= 0)
        {
            emit(pending.ToString(0, lastNewline + 1));
            pending.Remove(0, lastNewline + 1);
        }
        if (pending.Length >= MaxPendingChars)
        {
            emit(pending.Append('\n').ToString());
            pending.Clear();
        }
    }
}
