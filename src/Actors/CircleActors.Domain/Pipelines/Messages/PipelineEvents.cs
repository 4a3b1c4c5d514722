using CircleActors.Domain.Common;

namespace CircleActors.Domain.Pipelines.Messages;

public interface IPipelineEvent : IWithPipelineId
{
    DateTimeOffset At { get; }
}

public static class PipelineEvents
{
    public sealed record PipelineCreated(
        PipelineId PipelineId,
        ProjectSlug Project,
        long Number,
        string RepositoryUrl,
        string? Branch,
        string? Tag,
        string? Revision,
        PipelineTrigger Trigger,
        DateTimeOffset At,
        [property: System.Text.Json.Serialization.JsonConverter(typeof(Config.PipelineParametersJsonConverter))]
        IReadOnlyDictionary<string, object>? Parameters = null) : IPipelineEvent;

    public sealed record PipelineConfigCompiled(
        PipelineId PipelineId,
        ProjectSlug Project,
        string Revision,
        string ConfigSource,
        IReadOnlyList<PlannedWorkflow> Workflows,
        DateTimeOffset At,
        IReadOnlyList<Config.WorkflowSchedule>? Schedules = null) : IPipelineEvent;

    public sealed record PipelineErrored(
        PipelineId PipelineId, ProjectSlug Project, string? Revision, IReadOnlyList<PipelineError> Errors, DateTimeOffset At) : IPipelineEvent;

    public sealed record PipelineWorkflowsCreated(PipelineId PipelineId, DateTimeOffset At) : IPipelineEvent;

    public sealed record PipelineDeleted(PipelineId PipelineId, ProjectSlug Project, long Number, Actor Actor, DateTimeOffset At) : IPipelineEvent;
}
