using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace CircleActors.Actors.Serialization;

/// <summary>
/// JSON for events and cross-node messages, named by the stable manifests in
/// <see cref="MessageManifests"/> rather than CLR type names, so moving a type never breaks
/// replay. See docs/decisions/serialization.md.
/// </summary>
public sealed class DomainSerializer : SerializerWithStringManifest
{
    /// <summary>Akka serializer ids below 100 are reserved for Akka itself.</summary>
    public const int Id = 4711;

    public static readonly JsonSerializerOptions Options = CreateOptions();

    public DomainSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        MessageManifests.ByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} has no manifest in {nameof(MessageManifests)}");

    public override byte[] ToBinary(object obj)
    {
        if (obj is Akka.Actor.IActorRef) throw new ArgumentException("actor refs are serialized by Akka, not as JSON");
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), WithActorRefs());
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        MessageManifests.ByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, WithActorRefs())!
            : throw new System.Runtime.Serialization.SerializationException($"unknown manifest '{manifest}'");

    private JsonSerializerOptions WithActorRefs()
    {
        // Actor refs need the system to resolve; cache one options instance per serializer.
        return _withRefs ??= new JsonSerializerOptions(Options) { Converters = { new ActorRefConverter(system) } };
    }

    private JsonSerializerOptions? _withRefs;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            IncludeFields = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            system.Provider.ResolveActorRef(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
