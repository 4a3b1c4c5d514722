using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>A declared parameter of a command, job, executor or the pipeline.</summary>
internal sealed record ParameterDeclaration(string Name, string Type, Value? Default, IReadOnlyList<string> EnumValues, Mark At)
{
    public bool IsRequired => Default is null;
}

/// <summary>
/// Declares, binds, type-checks and substitutes parameters the way CircleCI's config processing
/// does: <c>&lt;&lt; parameters.x &gt;&gt;</c> alone in a value takes the argument whole (so a
/// steps or executor argument can be a list or a map); inside text it is spliced as text.
/// </summary>
internal static partial class Parameters
{
    public static readonly string[] Types = ["string", "boolean", "integer", "enum", "executor", "steps", "env_var_name"];

    private static readonly HashSet<string> TrueWords = new(StringComparer.OrdinalIgnoreCase) { "true", "yes", "on", "y" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.OrdinalIgnoreCase) { "false", "no", "off", "n" };

    [GeneratedRegex(@"(?<!\\)<<\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*>>")]
    public static partial Regex Reference();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PosixName();

    public static bool? AsBool(ScalarValue scalar)
    {
        if (!scalar.IsPlain) return null;
        if (TrueWords.Contains(scalar.Text)) return true;
        if (FalseWords.Contains(scalar.Text)) return false;
        return null;
    }

    public static IReadOnlyList<ParameterDeclaration> Declare(Value? node, string owner, ConfigDiagnostics diagnostics)
    {
        if (node.IsNullValue()) return [];
        if (node is not MapValue map)
        {
            diagnostics.Error(node!.At, $"the parameters of {owner} must be a map of parameter names to their type:");
            return [];
        }
        var declarations = new List<ParameterDeclaration>();
        foreach (var (key, value) in map.Entries)
        {
            if (key.Text.Length == 0)
            {
                diagnostics.Error(key.At, $"a parameter of {owner} has an empty name");
                continue;
            }
            if (value is not MapValue body)
            {
                diagnostics.Error(value.At, $"parameter '{key.Text}' of {owner} must be a map with type: (one of {string.Join(", ", Types)})");
                continue;
            }
            var type = body["type"].TextOrNull();
            if (type is null || !Types.Contains(type))
            {
                diagnostics.Error(body["type"]?.At ?? key.At,
                    $"parameter '{key.Text}' of {owner} needs a type: one of {string.Join(", ", Types)}{(type is null ? "" : $", not '{type}'")}");
                continue;
            }
            var enumValues = new List<string>();
            if (type == "enum")
            {
                if (body["enum"] is ListValue list) enumValues.AddRange(list.Items.Select(item => item.TextOrNull() ?? ""));
                else
                {
                    diagnostics.Error(key.At, $"enum parameter '{key.Text}' of {owner} needs enum: with the list of its values");
                    continue;
                }
            }
            var declaration = new ParameterDeclaration(key.Text, type, body["default"], enumValues, key.At);
            if (declaration.Default is { } fallback && Check(declaration, fallback, owner, diagnostics) is null) continue;
            declarations.Add(declaration);
        }
        return declarations;
    }

    /// <summary>Binds arguments to declarations: the argument, else the default; reports unknown, missing and mistyped ones.</summary>
    public static Dictionary<string, Value>? Bind(
        IReadOnlyList<ParameterDeclaration> declarations,
        IEnumerable<KeyValuePair<ScalarValue, Value>> arguments,
        string owner, Mark at, ConfigDiagnostics diagnostics)
    {
        var ok = true;
        var given = new Dictionary<string, (ScalarValue Key, Value Value)>(StringComparer.Ordinal);
        foreach (var (key, value) in arguments)
        {
            if (declarations.All(declaration => declaration.Name != key.Text))
            {
                var known = declarations.Count == 0 ? "it declares none" : $"it declares {string.Join(", ", declarations.Select(d => d.Name))}";
                diagnostics.Error(key.At, $"{owner} has no parameter '{key.Text}' ({known})");
                ok = false;
                continue;
            }
            given[key.Text] = (key, value);
        }

        var bound = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            Value? value = given.TryGetValue(declaration.Name, out var argument) ? argument.Value : declaration.Default;
            if (value is null)
            {
                diagnostics.Error(at, $"{owner} needs its parameter '{declaration.Name}' (a {declaration.Type}), which has no default");
                ok = false;
                continue;
            }
            var checkedValue = Check(declaration, value, owner, diagnostics);
            if (checkedValue is null) ok = false;
            else bound[declaration.Name] = checkedValue;
        }
        return ok ? bound : null;
    }

    /// <summary>The value if it fits the parameter's type (booleans normalized to true/false), else null with an error.</summary>
    public static Value? Check(ParameterDeclaration declaration, Value value, string owner, ConfigDiagnostics diagnostics)
    {
        // A pipeline value not known yet (`<< pipeline.git.branch >>` left as written) is checked when it is known.
        if (value is ScalarValue { Text: var pending } && pending.Contains("<< pipeline.", StringComparison.Ordinal)) return value;
        string? problem = null;
        Value result = value;
        switch (declaration.Type)
        {
            case "string":
                if (value is not ScalarValue scalar || AsBool(scalar) is not null) problem = "a string";
                break;
            case "boolean":
                if (value is ScalarValue flag && AsBool(flag) is { } truth) result = ScalarValue.Plain(truth ? "true" : "false", value.At);
                else problem = "a boolean (true or false)";
                break;
            case "integer":
                if (value is not ScalarValue { IsPlain: true, Text: var number } || !long.TryParse(number, out _)) problem = "an integer";
                break;
            case "enum":
                if (value is not ScalarValue choice || !declaration.EnumValues.Contains(choice.Text))
                    problem = $"one of {string.Join(", ", declaration.EnumValues)}";
                break;
            case "executor":
                if (value is not (ScalarValue { IsNull: false } or MapValue)) problem = "an executor (a name, or a map with name:)";
                break;
            case "steps":
                if (value.IsNullValue()) result = new ListValue([], value.At);
                else if (value is MapValue) result = new ListValue([value], value.At);
                else if (value is not ListValue) problem = "a list of steps";
                break;
            case "env_var_name":
                if (value is not ScalarValue name || !PosixName().IsMatch(name.Text)) problem = "an environment variable name (letters, digits and _)";
                break;
        }
        if (problem is null) return result;
        diagnostics.Error(value.At, $"parameter {declaration.Name} for {owner} must be {problem}");
        return null;
    }

    /// <summary>Replaces <c>&lt;&lt; prefix.name &gt;&gt;</c> everywhere in a value; unknown names are reported.</summary>
    public static Value Substitute(Value value, string prefix, Func<string, Value?> lookup, Action<string, Mark> unknown)
    {
        switch (value)
        {
            case ScalarValue scalar when scalar.Text.Contains("<<", StringComparison.Ordinal):
                return SubstituteScalar(scalar, prefix, lookup, unknown);
            case ListValue list:
                return new ListValue(list.Items.Select(item => Substitute(item, prefix, lookup, unknown)).ToList(), list.At);
            case MapValue map:
                var entries = new List<KeyValuePair<ScalarValue, Value>>(map.Entries.Count);
                foreach (var (key, item) in map.Entries)
                {
                    var newKey = key.Text.Contains("<<", StringComparison.Ordinal) && SubstituteScalar(key, prefix, lookup, unknown) is ScalarValue k ? k : key;
                    entries.Add(new(newKey, Substitute(item, prefix, lookup, unknown)));
                }
                return new MapValue(entries, map.At);
            default:
                return value;
        }
    }

    private static Value SubstituteScalar(ScalarValue scalar, string prefix, Func<string, Value?> lookup, Action<string, Mark> unknown)
    {
        var matches = Reference().Matches(scalar.Text).Where(match => match.Groups[1].Value.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (matches.Count == 0) return scalar;
        if (matches.Count == 1 && matches[0].Length == scalar.Text.Trim().Length)
        {
            var name = matches[0].Groups[1].Value;
            var whole = lookup(name);
            if (whole is null)
            {
                unknown(name, scalar.At);
                return scalar;
            }
            // The argument keeps its own form, at the place of the reference.
            return whole switch
            {
                ScalarValue s => new ScalarValue(s.Text, scalar.IsPlain ? s.Style : scalar.Style, scalar.At),
                _ => whole,
            };
        }
        var text = scalar.Text;
        foreach (var match in Enumerable.Reverse(matches))
        {
            var name = match.Groups[1].Value;
            var found = lookup(name);
            string replacement;
            if (found is ScalarValue s) replacement = s.Text;
            else
            {
                if (found is null) unknown(name, scalar.At);
                else unknown(name + " (a list or a map, which cannot be part of a text)", scalar.At);
                continue;
            }
            text = text[..match.Index] + replacement + text[(match.Index + match.Length)..];
        }
        return scalar with { Text = text };
    }
}
