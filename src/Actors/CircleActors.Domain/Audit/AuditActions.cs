using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Workflows;
using static CircleActors.Domain.Jobs.Messages.JobEvents;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Audit;

public sealed record AuditEntity(string Id, string Type);

/// <summary>One audit log row, in the fields CircleCI's audit log has.</summary>
public sealed record AuditRecord(
    string Action,
    Actor Actor,
    AuditEntity Target,
    IReadOnlyDictionary<string, object?> Payload,
    DateTimeOffset OccurredAt,
    AuditEntity Scope,
    bool Success,
    IReadOnlyDictionary<string, object?> Metadata,
    IReadOnlyDictionary<string, object?> Request);

/// <summary>
/// Which events are audited and as what. Secrets (a project's webhook secret, its environment
/// variables' values) never enter a payload.
/// </summary>
public static class AuditActions
{
    private static readonly IReadOnlyDictionary<string, object?> None = new Dictionary<string, object?>();

    /// <summary>
    /// Every audit row an event gives, the main one first. A rerun's start is both a
    /// <c>workflow.start</c> and a <c>workflow.retry</c> naming the workflow it reruns.
    /// </summary>
    public static IEnumerable<AuditRecord> DescribeAll(object @event)
    {
        if (Describe(@event) is not { } main) yield break;
        yield return main;
        if (@event is WorkflowStarted { RerunOf: { } rerunOf } started)
            yield return main with
            {
                Action = "workflow.retry",
                Payload = new Dictionary<string, object?>(main.Payload) { ["rerun_of"] = rerunOf.ToString() },
            };
    }

    public static AuditRecord? Describe(object @event) => @event switch
    {
        ProjectEvents.ProjectAdded e => Record("project.add", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["vcs_url"] = e.RepositoryUrl, ["default_branch"] = e.DefaultBranch }),
        ProjectEvents.ProjectSettingsChanged e => Record("project.settings.update", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["autocancel_builds"] = e.AutoCancelRedundantWorkflows }),
        // The name only: a value, even sealed, never enters the audit log.
        ProjectEvents.EnvironmentVariableSet e => Record("project.env_var.create", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["env_var_name"] = e.Name }),
        ProjectEvents.EnvironmentVariableDeleted e => Record("project.env_var.delete", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["env_var_name"] = e.Name }),
        // Fingerprints identify keys without revealing them; a private key or token never enters the audit log.
        ProjectEvents.SshKeyAdded e => Record("project.ssh_key.create", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["type"] = e.Key.Kind, ["fingerprint"] = e.Key.Md5Fingerprint, ["hostname"] = e.Key.Hostname }),
        ProjectEvents.SshKeyDeleted e => Record("project.ssh_key.delete", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["fingerprint"] = e.Md5Fingerprint }),
        ProjectEvents.CheckoutTokenSet e => Record("project.checkout_token.create", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug,
            new() { ["username"] = e.Token.Username }),
        ProjectEvents.CheckoutTokenDeleted e => Record("project.checkout_token.delete", e.Actor, new(e.Slug.Value, "project"), e.At, e.Slug, new()),
        PipelineErrored e => Record("workflow.error", Actor.System, new(e.PipelineId.ToString(), "pipeline"), e.At, e.Project,
            new() { ["revision"] = e.Revision, ["errors"] = e.Errors.Select(x => new Dictionary<string, string> { ["type"] = x.Type, ["message"] = x.Message }).ToList() },
            success: false),
        PipelineDeleted e => Record("pipeline.delete", e.Actor, new(e.PipelineId.ToString(), "pipeline"), e.At, e.Project,
            new() { ["pipeline_number"] = e.Number }),
        WorkflowStarted e => Record("workflow.start", e.Actor, new(e.WorkflowId.ToString(), "workflow"), e.At, e.Context.Project,
            new()
            {
                ["workflow_name"] = e.Name, ["pipeline_id"] = e.Context.PipelineId.ToString(), ["pipeline_number"] = e.Context.PipelineNumber,
                ["branch"] = e.Context.Branch, ["tag"] = e.Context.Tag, ["revision"] = e.Context.Revision,
            }),
        WorkflowJobApproved e => Record("workflow.job.approve", e.Actor, new(e.JobId.ToString(), "job"), e.At, e.Project,
            new() { ["workflow_id"] = e.WorkflowId.ToString(), ["job_name"] = e.JobName }),
        WorkflowCanceled e => Record("workflow.cancel", e.Actor, new(e.WorkflowId.ToString(), "workflow"), e.At, e.Project,
            new() { ["workflow_name"] = e.Name }),
        JobCancelRequested e => Record("workflow.job.cancel", e.Actor, new(e.JobId.ToString(), "job"), e.At, e.Project,
            new() { ["job_name"] = e.JobName, ["job_number"] = e.JobNumber }),
        WorkflowJobScheduled e => Record("workflow.job.scheduled", Actor.System, new(e.JobId.ToString(), "job"), e.At, e.Project,
            new() { ["workflow_id"] = e.WorkflowId.ToString(), ["job_name"] = e.JobName, ["job_number"] = e.JobNumber }),
        JobStarted e => Record("workflow.job.start", Actor.System, new(e.JobId.ToString(), "job"), e.At, e.Project,
            new() { ["job_name"] = e.JobName, ["job_number"] = e.JobNumber }),
        JobFinished e => Record("workflow.job.finish", Actor.System, new(e.JobId.ToString(), "job"), e.At, e.Project,
            new() { ["job_name"] = e.JobName, ["job_number"] = e.JobNumber, ["status"] = e.Status.ToWire() },
            success: e.Status.IsSuccessful()),
        _ => null,
    };

    private static AuditRecord Record(string action, Actor actor, AuditEntity target, DateTimeOffset at, ProjectSlug project,
        Dictionary<string, object?> payload, bool success = true) =>
        new(action, actor, target, payload, at, new AuditEntity(project.Value, "project"), success, None, None);
}
