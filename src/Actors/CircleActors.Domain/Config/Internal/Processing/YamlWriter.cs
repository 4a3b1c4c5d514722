using System.Globalization;
using System.Text;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>
/// Writes a <see cref="Value"/> tree as block YAML. Plain text stays plain only where it reads back
/// as the same text; text written quoted stays quoted, so it stays a string; several lines become a
/// literal block. The same tree always gives the same text. (YamlDotNet's emitter takes tens of
/// milliseconds on a large config, more than all the rest of the processing.)
/// </summary>
internal static class YamlWriter
{
    private const string Indicators = "-?:,[]{}#&*!|>'\"%@`";

    public static string Write(Value root)
    {
        var text = new StringBuilder();
        WriteBlock(root, 0, text);
        return text.ToString();
    }

    private static void WriteBlock(Value value, int indent, StringBuilder text)
    {
        switch (value)
        {
            case MapValue { Entries.Count: > 0 } map:
                foreach (var (key, item) in map.Entries)
                {
                    text.Append(' ', indent);
                    WriteEntry(key, item, indent, text);
                }
                break;
            case ListValue { Items.Count: > 0 } list:
                foreach (var item in list.Items) WriteItem(item, indent, text);
                break;
            default:
                text.Append(' ', indent);
                WriteInline(value, indent, text);
                text.Append('\n');
                break;
        }
    }

    private static void WriteEntry(ScalarValue key, Value item, int indent, StringBuilder text)
    {
        text.Append(Scalar(key, forKey: true)).Append(':');
        switch (item)
        {
            case MapValue { Entries.Count: > 0 }:
                text.Append('\n');
                WriteBlock(item, indent + 2, text);
                break;
            case ListValue { Items.Count: > 0 }:
                text.Append('\n');
                WriteBlock(item, indent, text);
                break;
            default:
                text.Append(' ');
                WriteInline(item, indent, text);
                text.Append('\n');
                break;
        }
    }

    private static void WriteItem(Value item, int indent, StringBuilder text)
    {
        text.Append(' ', indent).Append("- ");
        switch (item)
        {
            case MapValue { Entries.Count: > 0 } map:
                // The first entry shares the dash's line; the others align with it.
                for (var index = 0; index < map.Entries.Count; index++)
                {
                    if (index > 0) text.Append(' ', indent + 2);
                    WriteEntry(map.Entries[index].Key, map.Entries[index].Value, indent + 2, text);
                }
                break;
            case ListValue { Items.Count: > 0 } list:
                text.Append('\n');
                foreach (var inner in list.Items) WriteItem(inner, indent + 2, text);
                break;
            default:
                WriteInline(item, indent + 2, text);
                text.Append('\n');
                break;
        }
    }

    private static void WriteInline(Value value, int indent, StringBuilder text)
    {
        switch (value)
        {
            case MapValue:
                text.Append("{}");
                break;
            case ListValue:
                text.Append("[]");
                break;
            case ScalarValue scalar when scalar.Text.Contains('\n') && CanBeLiteral(scalar.Text):
                WriteLiteral(scalar.Text, indent, text);
                break;
            case ScalarValue scalar:
                text.Append(Scalar(scalar, forKey: false));
                break;
        }
    }

    private static string Scalar(ScalarValue scalar, bool forKey)
    {
        if (scalar.IsPlain && scalar.IsNull && !forKey) return "null";
        if (scalar.IsPlain && IsPlainSafe(scalar.Text)) return scalar.Text;
        return Quoted(scalar.Text);
    }

    private static bool IsPlainSafe(string text)
    {
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) return false;
        if (Indicators.Contains(text[0]) && !(text[0] is '-' or '?' or ':' && text.Length > 1 && text[1] != ' ')) return false;
        if (text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal) || text.EndsWith(':')) return false;
        foreach (var c in text)
            if (c < ' ' || c == '\u007f' || c is '\u0085' or '\u2028' or '\u2029' or '\ufeff') return false;
        return true;
    }

    private static bool CanBeLiteral(string text)
    {
        foreach (var c in text)
            if ((c < ' ' && c != '\n') || c == '\u007f' || c is '\u0085' or '\u2028' or '\u2029' or '\ufeff') return false;
        // Trailing spaces on a line, or a text of only line breaks, do not survive a literal block.
        foreach (var line in text.Split('\n'))
            if (line.EndsWith(' ')) return false;
        return text.Trim('\n').Length > 0;
    }

    private static void WriteLiteral(string text, int indent, StringBuilder text2)
    {
        var body = text.TrimEnd('\n');
        var trailing = text.Length - body.Length;
        text2.Append('|');
        // A first line that starts with a space needs the indentation said explicitly.
        if (body.StartsWith(' ') || body.StartsWith('\n')) text2.Append('2');
        text2.Append(trailing switch { 0 => "-", 1 => "", _ => "+" });
        foreach (var line in text[..(trailing > 1 ? text.Length - 1 : body.Length)].Split('\n'))
        {
            text2.Append('\n');
            if (line.Length > 0) text2.Append(' ', indent + 2).Append(line);
        }
    }

    private static string Quoted(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\t': quoted.Append("\\t"); break;
                case '\r': quoted.Append("\\r"); break;
                default:
                    if (c < ' ' || c == '\u007f' || c is '\u0085' or '\u2028' or '\u2029' or '\ufeff')
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else quoted.Append(c);
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
