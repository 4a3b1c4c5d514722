using CircleActors.Domain.Common;

namespace CircleActors.Domain.Pipelines.Messages;

public interface IWithPipelineId
{
    PipelineId PipelineId { get; }
}

public interface IPipelineCommand : IWithPipelineId;

/// <summary>What started a pipeline: <c>api</c>, <c>webhook</c> or <c>scheduled_pipeline</c>.</summary>
/// <param name="Schedule">For a scheduled pipeline, the time that fired it.</param>
public sealed record PipelineTrigger(string Type, Actor Actor, DateTimeOffset ReceivedAt, string? DeliveryId = null, ScheduledTime? Schedule = null)
{
    public const string Scheduled = "scheduled_pipeline";
}

/// <summary>A scheduled time that fired a pipeline: the pipeline runs only <paramref name="Workflow"/>.</summary>
/// <param name="Note">Set when the time fired late, e.g. because the server was down at the time.</param>
public sealed record ScheduledTime(string Workflow, DateTimeOffset ScheduledAt, string? Note = null);

/// <summary>One job a workflow will run, with its job number reserved in advance.</summary>
/// <param name="RequiredStatuses">
/// For requirements written in the 2.1 map form, the statuses of the required job that let this
/// one run (<c>success</c>, <c>failed</c>, <c>canceled</c>, <c>unauthorized</c>, <c>not_run</c>);
/// a requirement not in it waits for success.
/// </param>
/// <param name="ReusedFrom">
/// In a rerun, the earlier job whose success this one reuses: it counts as succeeded from the
/// start and does not run again.
/// </param>
public sealed record PlannedJob(
    string Name,
    JobId JobId,
    long? JobNumber,
    Config.JobDefinition? Definition,
    IReadOnlyList<string> Requires,
    bool IsApproval,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? RequiredStatuses = null,
    JobId? ReusedFrom = null);

public sealed record PlannedWorkflow(WorkflowId WorkflowId, string Name, IReadOnlyList<PlannedJob> Jobs);

public sealed record PipelineError(string Type, string Message);

public static class PipelineCommands
{
    public sealed record CreatePipeline(
        PipelineId PipelineId,
        ProjectSlug Project,
        long Number,
        string RepositoryUrl,
        string? Branch,
        string? Tag,
        string? Revision,
        PipelineTrigger Trigger,
        [property: System.Text.Json.Serialization.JsonConverter(typeof(Config.PipelineParametersJsonConverter))]
        IReadOnlyDictionary<string, object>? Parameters = null) : IPipelineCommand;

    /// <summary>The configuration at the revision was read and planned into workflows; it also declares the scheduled workflows.</summary>
    public sealed record CompileConfig(
        PipelineId PipelineId, string Revision, string ConfigSource, IReadOnlyList<PlannedWorkflow> Workflows,
        IReadOnlyList<Config.WorkflowSchedule>? Schedules = null) : IPipelineCommand;

    /// <summary>The configuration could not be read or is invalid: the pipeline ends errored.</summary>
    public sealed record FailPipeline(PipelineId PipelineId, string? Revision, IReadOnlyList<PipelineError> Errors) : IPipelineCommand;

    /// <summary>Every workflow entity has confirmed it started.</summary>
    public sealed record ConfirmWorkflowsCreated(PipelineId PipelineId) : IPipelineCommand;

    /// <summary>
    /// Tombstones the pipeline: it, its workflows and its jobs are hidden from the API and the UI.
    /// Its events stay in the journal, so the audit log and a restore keep its history.
    /// </summary>
    public sealed record DeletePipeline(PipelineId PipelineId, Actor Actor) : IPipelineCommand;
}

public static class PipelineQueries
{
    public sealed record GetPipeline(PipelineId PipelineId) : IPipelineCommand;
}
