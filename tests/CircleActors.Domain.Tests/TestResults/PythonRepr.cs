using System.Globalization;
using System.Text;

namespace CircleActors.Domain.Tests.TestResults;

/// <summary>
/// Reads the corpus's <c>expected/*.results.pyrepr</c> files: the Python repr of the parse
/// results a reference parser produced. Only what those files use: <c>Name(key=value, ...)</c>,
/// lists, quoted strings (adjacent ones joined, as Python does), <c>None</c> and numbers.
/// </summary>
internal sealed class PythonRepr(string text)
{
    private int position;

    public sealed record Call(string Name, IReadOnlyDictionary<string, object?> Arguments);

    public static object? Parse(string text) => new PythonRepr(text).Value();

    private object? Value()
    {
        SkipSpace();
        var c = text[position];
        if (c is '\'' or '"')
        {
            var joined = new StringBuilder();
            while (position < text.Length && text[position] is '\'' or '"')
            {
                joined.Append(QuotedString());
                SkipSpace();
            }
            return joined.ToString();
        }
        if (c == '[') return List();
        var word = Word();
        if (word == "None") return null;
        if (word is "True" or "False") return word == "True";
        if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number;
        SkipSpace();
        Expect('(');
        var arguments = new Dictionary<string, object?>();
        while (true)
        {
            SkipSpace();
            if (text[position] == ')') { position++; break; }
            var key = Word();
            SkipSpace();
            Expect('=');
            arguments[key] = Value();
            SkipSpace();
            if (text[position] == ',') position++;
        }
        return new Call(word, arguments);
    }

    private List<object?> List()
    {
        Expect('[');
        var items = new List<object?>();
        while (true)
        {
            SkipSpace();
            if (text[position] == ']') { position++; return items; }
            items.Add(Value());
            SkipSpace();
            if (text[position] == ',') position++;
        }
    }

    private string QuotedString()
    {
        var quote = text[position++];
        var value = new StringBuilder();
        while (text[position] != quote)
        {
            var c = text[position++];
            if (c != '\\') { value.Append(c); continue; }
            var escaped = text[position++];
            value.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => escaped });
        }
        position++;
        return value.ToString();
    }

    private string Word()
    {
        var start = position;
        while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '.' or '-' or '+')) position++;
        if (position == start) throw new FormatException($"unexpected '{text[position]}' at {position}");
        return text[start..position];
    }

    private void Expect(char c)
    {
        if (text[position] != c) throw new FormatException($"expected '{c}' at {position}, found '{text[position]}'");
        position++;
    }

    private void SkipSpace()
    {
        while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
    }
}
