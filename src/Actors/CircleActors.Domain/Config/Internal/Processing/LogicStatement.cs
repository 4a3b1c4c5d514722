using System.Globalization;
using System.Text.RegularExpressions;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>
/// CircleCI's logic statements (<c>when:</c>, <c>unless:</c>, <c>condition:</c>): a value that is
/// truthy or falsy, or a single-key map of <c>and</c>, <c>or</c>, <c>not</c>, <c>equal</c>, <c>matches</c>.
/// Falsy are false, null, 0, NaN, the empty string, and statements with no arguments.
/// </summary>
internal static class LogicStatement
{
    private static readonly string[] Operators = ["and", "or", "not", "equal", "matches"];
    private const int MaxDepth = 100;

    /// <summary>The statement's truth, or null (with an error) when the value is not a logic statement.</summary>
    public static bool? Evaluate(Value value, ConfigDiagnostics diagnostics, string what) => Evaluate(value, diagnostics, what, 0);

    private static bool? Evaluate(Value value, ConfigDiagnostics diagnostics, string what, int depth)
    {
        if (depth > MaxDepth)
        {
            diagnostics.Error(value.At, $"{what} nests logic statements more than {MaxDepth} levels deep");
            return null;
        }
        switch (value)
        {
            case ScalarValue scalar:
                return Truthy(scalar);
            case ListValue list:
                diagnostics.Error(list.At, $"{what} must be a logic statement (a value, or a map with one of {string.Join(", ", Operators)}), not a list");
                return null;
            case MapValue { Entries.Count: 1 } map when Operators.Contains(map.Entries[0].Key.Text):
                return Operator(map.Entries[0].Key, map.Entries[0].Value, diagnostics, what, depth);
            default:
                diagnostics.Error(value.At, $"{what} must be a logic statement: a map with a single key, one of {string.Join(", ", Operators)}");
                return null;
        }
    }

    private static bool? Operator(ScalarValue key, Value argument, ConfigDiagnostics diagnostics, string what, int depth)
    {
        switch (key.Text)
        {
            case "not":
                return Evaluate(argument, diagnostics, what, depth + 1) is { } inner ? !inner : null;
            case "and" or "or":
                if (argument is not ListValue { Items.Count: > 0 } operands)
                {
                    diagnostics.Error(argument.At, $"{key.Text}: in {what} takes a non-empty list of logic statements");
                    return null;
                }
                var results = operands.Items.Select(item => Evaluate(item, diagnostics, what, depth + 1)).ToList();
                if (results.Any(result => result is null)) return null;
                return key.Text == "and" ? results.All(result => result == true) : results.Any(result => result == true);
            case "equal":
                if (argument is not ListValue { Items.Count: > 0 } values)
                {
                    diagnostics.Error(argument.At, $"equal: in {what} takes a non-empty list of values to compare");
                    return null;
                }
                var first = values.Items[0];
                return values.Items.Skip(1).All(item => AreEqual(first, item));
            default:
                if (argument is not MapValue matches || matches["pattern"].TextOrNull() is not { } pattern || matches["value"] is not ScalarValue subject)
                {
                    diagnostics.Error(argument.At, $"matches: in {what} takes pattern: and value:");
                    return null;
                }
                try
                {
                    var expression = pattern.Length >= 2 && pattern.StartsWith('/') && pattern.EndsWith('/') ? pattern[1..^1] : pattern;
                    return Regex.IsMatch(subject.Text, $"^(?:{expression})$", RegexOptions.None, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    diagnostics.Error(matches["pattern"]!.At, $"the pattern of matches: in {what} is not a valid regular expression: {e.Message}");
                    return null;
                }
                catch (RegexMatchTimeoutException)
                {
                    diagnostics.Error(matches["pattern"]!.At, $"the pattern of matches: in {what} takes too long to match");
                    return null;
                }
        }
    }

    private static bool Truthy(ScalarValue scalar)
    {
        if (scalar.IsNull) return false;
        if (!scalar.IsPlain) return scalar.Text.Length > 0;
        if (Parameters.AsBool(scalar) is { } truth) return truth;
        if (double.TryParse(scalar.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number != 0 && !double.IsNaN(number);
        return !string.Equals(scalar.Text, ".nan", StringComparison.OrdinalIgnoreCase);
    }

    private static bool AreEqual(Value left, Value right) => (left, right) switch
    {
        (ScalarValue a, ScalarValue b) => ScalarEquals(a, b),
        (ListValue a, ListValue b) => a.Items.Count == b.Items.Count && a.Items.Zip(b.Items).All(pair => AreEqual(pair.First, pair.Second)),
        (MapValue a, MapValue b) => a.Entries.Count == b.Entries.Count
            && a.Entries.All(entry => b[entry.Key.Text] is { } other && AreEqual(entry.Value, other)),
        _ => false,
    };

    private static bool ScalarEquals(ScalarValue a, ScalarValue b)
    {
        if (a.IsPlain && b.IsPlain)
        {
            if (Parameters.AsBool(a) is { } x && Parameters.AsBool(b) is { } y) return x == y;
            if (double.TryParse(a.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                && double.TryParse(b.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return m.Equals(n);
        }
        return a.Text == b.Text;
    }
}
