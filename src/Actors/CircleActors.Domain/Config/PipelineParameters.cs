using System.Text.Json;
using System.Text.Json.Serialization;

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

/// <summary>
/// Writes pipeline parameters as a JSON object of scalars and reads them back as strings,
/// booleans and whole numbers, so a journaled pipeline replays with the values it was given.
/// </summary>
public sealed class PipelineParametersJsonConverter : JsonConverter<IReadOnlyDictionary<string, object>>
{
    public override IReadOnlyDictionary<string, object>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        var raw = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.Clone());
        return PipelineParameters.Normalize(raw);
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, parameter) in PipelineParameters.Normalize(value))
        {
            writer.WritePropertyName(name);
            switch (parameter)
            {
                case bool flag: writer.WriteBooleanValue(flag); break;
                case long number: writer.WriteNumberValue(number); break;
                case int number: writer.WriteNumberValue(number); break;
                default: writer.WriteStringValue((string)parameter); break;
            }
        }
        writer.WriteEndObject();
    }
}
