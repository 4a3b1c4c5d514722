using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>
/// A config as a plain tree with every node's place in the file: aliases and merge keys are
/// already expanded, so 2.1 processing can rewrite it freely and errors still point at the text.
/// </summary>
internal abstract record Value(Mark At);

internal sealed record ScalarValue(string Text, ScalarStyle Style, Mark At) : Value(At)
{
    private static readonly HashSet<string> NullWords = ["", "~", "null", "Null", "NULL"];

    public bool IsPlain => Style is ScalarStyle.Plain or ScalarStyle.Any;

    public bool IsNull => IsPlain && NullWords.Contains(Text);

    public static ScalarValue Plain(string text, Mark at) => new(text, ScalarStyle.Plain, at);
}

internal sealed record ListValue(IReadOnlyList<Value> Items, Mark At) : Value(At);

internal sealed record MapValue(IReadOnlyList<KeyValuePair<ScalarValue, Value>> Entries, Mark At) : Value(At)
{
    public Value? this[string key]
    {
        get
        {
            foreach (var (k, v) in Entries)
                if (k.Text == key) return v;
            return null;
        }
    }

    public bool Contains(string key) => this[key] is not null;

    public Mark KeyMark(string key) => Entries.FirstOrDefault(entry => entry.Key.Text == key).Key?.At ?? At;

    public MapValue Without(params string[] keys) =>
        new(Entries.Where(entry => !keys.Contains(entry.Key.Text)).ToList(), At);

    /// <summary>The map with a key set: replaced where it is, else added at the end.</summary>
    public MapValue With(string key, Value value)
    {
        var entries = Entries.ToList();
        var index = entries.FindIndex(entry => entry.Key.Text == key);
        if (index >= 0) entries[index] = new(entries[index].Key, value);
        else entries.Add(new(ScalarValue.Plain(key, value.At), value));
        return new MapValue(entries, At);
    }
}

internal static class ValueExtensions
{
    public static bool IsNullValue(this Value? value) => value is null or ScalarValue { IsNull: true };

    public static string? TextOrNull(this Value? value) => value is ScalarValue { IsNull: false } scalar ? scalar.Text : null;
}
