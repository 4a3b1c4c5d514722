using System.Text.Json;

namespace CircleActors.Domain.Config;

/// <summary>
/// Pipeline parameters as a trigger gives them: each a string, a boolean or a whole number.
/// Read back from JSON (a journaled event, a request body) they are JSON elements; this turns
/// them into the plain values the config engine binds.
/// </summary>
public static class PipelineParameters
{
    /// <exception cref="ArgumentException">A value is not a string, a boolean or a whole number.</exception>
    public static IReadOnlyDictionary<string, object> Normalize(IReadOnlyDictionary<string, object>? parameters) =>
        (parameters ?? new Dictionary<string, object>()).ToDictionary(p => p.Key, p => p.Value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } e => (object)e.GetString()!,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var number) => number,
            string or bool or int or long => p.Value,
            _ => throw new ArgumentException($"pipeline parameter '{p.Key}' must be a string, a boolean or an integer"),
        }, StringComparer.Ordinal);
}
