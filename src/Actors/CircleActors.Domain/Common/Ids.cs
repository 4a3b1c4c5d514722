using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace CircleActors.Domain.Common;

/// <summary>A project's slug as CircleCI spells it: <c>vcs/org/repo</c>, e.g. <c>gh/acme/app</c>.</summary>
[JsonConverter(typeof(ProjectSlugJsonConverter))]
public readonly record struct ProjectSlug
{
    public string Value { get; }
    public string Vcs => Value.Split('/')[0];
    public string Organization => Value.Split('/')[1];
    public string Repository => Value.Split('/')[2];

    private ProjectSlug(string value) => Value = value;

    public static bool TryParse(string? text, out ProjectSlug slug)
    {
        slug = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Split('/');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0 || p.Any(char.IsWhiteSpace))) return false;
        var vcs = parts[0] switch
        {
            "gh" or "github" => "gh",
            "bb" or "bitbucket" => "bb",
            "gl" or "gitlab" => "gl",
            _ => null,
        };
        if (vcs is null) return false;
        slug = new ProjectSlug($"{vcs}/{parts[1]}/{parts[2]}");
        return true;
    }

    public static ProjectSlug Parse(string text) =>
        TryParse(text, out var slug) ? slug : throw new FormatException($"'{text}' is not a project slug of the form gh/org/repo");

    public override string ToString() => Value;
}

internal sealed class ProjectSlugJsonConverter : JsonConverter<ProjectSlug>
{
    public override ProjectSlug Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        ProjectSlug.Parse(reader.GetString()!);

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ProjectSlug value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}

[JsonConverter(typeof(GuidIdJsonConverter<PipelineId>))]
public readonly record struct PipelineId(Guid Value) : IGuidId<PipelineId>
{
    public static PipelineId From(Guid value) => new(value);
    public static PipelineId New() => new(Guid.NewGuid());
    public override string ToString() => Value.ToString();
}

[JsonConverter(typeof(GuidIdJsonConverter<WorkflowId>))]
public readonly record struct WorkflowId(Guid Value) : IGuidId<WorkflowId>
{
    public static WorkflowId From(Guid value) => new(value);
    public override string ToString() => Value.ToString();
}

[JsonConverter(typeof(GuidIdJsonConverter<JobId>))]
public readonly record struct JobId(Guid Value) : IGuidId<JobId>
{
    public static JobId From(Guid value) => new(value);
    public override string ToString() => Value.ToString();
}

/// <summary>The schedule of one workflow of one project (<see cref="DerivedIds.Schedule"/>).</summary>
[JsonConverter(typeof(GuidIdJsonConverter<ScheduleId>))]
public readonly record struct ScheduleId(Guid Value) : IGuidId<ScheduleId>
{
    public static ScheduleId From(Guid value) => new(value);
    public override string ToString() => Value.ToString();
}

/// <summary>An agent node, named by the agent when it registers (stable across its restarts).</summary>
[JsonConverter(typeof(NodeIdJsonConverter))]
public readonly record struct NodeId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// Ids derived from their parent and name, so that a retried command creates the same child
/// instead of a second one (a pipeline that restarts never starts a workflow twice).
/// </summary>
public static class DerivedIds
{
    public static WorkflowId Workflow(PipelineId pipeline, string workflowName) =>
        new(NameBased(pipeline.Value, "workflow:" + workflowName));

    public static JobId Job(WorkflowId workflow, string jobName) =>
        new(NameBased(workflow.Value, "job:" + jobName));

    /// <summary>One schedule per project and workflow name, whichever pipeline declared it.</summary>
    public static ScheduleId Schedule(ProjectSlug project, string workflowName) =>
        new(NameBased(ScheduleNamespace, $"{project.Value}\n{workflowName}"));

    /// <summary>
    /// The pipeline a schedule starts for one scheduled time on one branch: firing the same time
    /// again (after a crash, or from a second node) names the same pipeline, which then exists already.
    /// </summary>
    public static PipelineId ScheduledPipeline(ScheduleId schedule, DateTimeOffset scheduledAt, string branch) =>
        new(NameBased(schedule.Value, $"{scheduledAt.UtcTicks}\n{branch}"));

    private static readonly Guid ScheduleNamespace = new("5f0c2a4e-7d1b-4f4e-8c39-0b6a1e2d9c51");

    /// <summary>An RFC 4122 version 5 (SHA-1, name-based) UUID.</summary>
    public static Guid NameBased(Guid @namespace, string name)
    {
        Span<byte> ns = stackalloc byte[16];
        @namespace.TryWriteBytes(ns, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        ns.CopyTo(input);
        nameBytes.CopyTo(input, 16);
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// <summary>An id that is a GUID underneath; it is written as the bare GUID string in JSON.</summary>
public interface IGuidId<TSelf> where TSelf : struct, IGuidId<TSelf>
{
    Guid Value { get; }
    static abstract TSelf From(Guid value);
}

internal sealed class GuidIdJsonConverter<TId> : JsonConverter<TId> where TId : struct, IGuidId<TId>
{
    public override TId Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        TId.From(reader.GetGuid());

    public override void Write(System.Text.Json.Utf8JsonWriter writer, TId value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);

    public override TId ReadAsPropertyName(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        TId.From(Guid.Parse(reader.GetString()!));

    public override void WriteAsPropertyName(System.Text.Json.Utf8JsonWriter writer, TId value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WritePropertyName(value.Value.ToString());
}

internal sealed class NodeIdJsonConverter : JsonConverter<NodeId>
{
    public override NodeId Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        new(reader.GetString()!);

    public override void Write(System.Text.Json.Utf8JsonWriter writer, NodeId value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);

    public override NodeId ReadAsPropertyName(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        new(reader.GetString()!);

    public override void WriteAsPropertyName(System.Text.Json.Utf8JsonWriter writer, NodeId value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WritePropertyName(value.Value);
}
