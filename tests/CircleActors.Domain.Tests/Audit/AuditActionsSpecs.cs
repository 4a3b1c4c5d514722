using CircleActors.Domain.Audit;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using static CircleActors.Domain.Jobs.Messages.JobEvents;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;
using static CircleActors.Domain.Projects.Messages.ProjectEvents;
using static CircleActors.Domain.Tests.Samples;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Tests.Audit;

/// <summary>Which events become audit rows, under CircleCI's action names, and what never enters one.</summary>
public sealed class AuditActionsSpecs
{
    private static readonly DateTimeOffset At = T0.AddMinutes(5);

    public static TheoryData<string, object, string, string, string, bool> Audited => new()
    {
        { "project added", new ProjectAdded(Project, "https://github.com/acme/app.git", "main", "s3cret", Actor.Admin, At),
            "project.add", "project", Project.Value, true },
        { "environment variable set", new EnvironmentVariableSet(Project, "API_TOKEN", new Domain.Projects.SealedValue("bm9uY2U=", "c2VhbGVk"), Actor.Admin, At),
            "project.env_var.create", "project", Project.Value, true },
        { "environment variable deleted", new EnvironmentVariableDeleted(Project, "API_TOKEN", Actor.Admin, At),
            "project.env_var.delete", "project", Project.Value, true },
        { "pipeline errored", new PipelineErrored(Pipeline, Project, "abc", [new PipelineError("config", "bad")], At),
            "workflow.error", "pipeline", Pipeline.ToString(), false },
        { "pipeline deleted", new PipelineDeleted(Pipeline, Project, 7, Actor.Admin, At), "pipeline.delete", "pipeline", Pipeline.ToString(), true },
        { "workflow started", new WorkflowStarted(Workflow, "ci", Context, [Planned("build")], Actor.Admin, At),
            "workflow.start", "workflow", Workflow.ToString(), true },
        { "job scheduled", new WorkflowJobScheduled(Workflow, Project, "build", Job, 42, At),
            "workflow.job.scheduled", "job", Job.ToString(), true },
        { "job started", new JobStarted(Job, Project, 42, "build", At), "workflow.job.start", "job", Job.ToString(), true },
        { "job succeeded", new JobFinished(Job, Project, 42, "build", JobStatus.Success, At), "workflow.job.finish", "job", Job.ToString(), true },
        { "job failed", new JobFinished(Job, Project, 42, "build", JobStatus.Failed, At), "workflow.job.finish", "job", Job.ToString(), false },
    };

    [Theory]
    [MemberData(nameof(Audited))]
    public void An_audited_event_becomes_a_row_with_its_action_target_project_scope_and_time(
        string what, object @event, string action, string targetType, string targetId, bool success)
    {
        var record = AuditActions.Describe(@event);
        Assert.NotNull(record);
        Assert.Equal((action, targetType, targetId, success), (record.Action, record.Target.Type, record.Target.Id, record.Success));
        Assert.Equal(new AuditEntity(Project.Value, "project"), record.Scope);
        Assert.Equal(At, record.OccurredAt);
        Assert.NotEmpty(what);
    }

    [Fact]
    public void A_rows_actor_is_who_caused_it_or_the_system()
    {
        Assert.Equal(Actor.Admin, AuditActions.Describe(new WorkflowStarted(Workflow, "ci", Context, [], Actor.Admin, At))!.Actor);
        Assert.Equal(Actor.System, AuditActions.Describe(new JobStarted(Job, Project, 42, "build", At))!.Actor);
        var deletion = AuditActions.Describe(new PipelineDeleted(Pipeline, Project, 7, Actor.Admin, At))!;
        Assert.Equal((Actor.Admin, (object?)7L), (deletion.Actor, deletion.Payload["pipeline_number"]));
    }

    [Fact]
    public void A_projects_webhook_secret_never_enters_its_audit_row()
    {
        var record = AuditActions.Describe(new ProjectAdded(Project, "https://github.com/acme/app.git", "main", "s3cret-value", Actor.Admin, At))!;
        Assert.Equal("https://github.com/acme/app.git", record.Payload["vcs_url"]);
        Assert.Equal("main", record.Payload["default_branch"]);
        Assert.DoesNotContain(record.Payload.Values, v => v?.ToString()?.Contains("s3cret") == true);
        Assert.DoesNotContain(record.Payload.Keys, k => k.Contains("secret"));
    }

    [Fact]
    public void An_environment_variables_row_names_the_variable_and_carries_nothing_of_its_value()
    {
        var row = AuditActions.Describe(new EnvironmentVariableSet(Project, "API_TOKEN", new Domain.Projects.SealedValue("bm9uY2U=", "c2VhbGVk"), Actor.Admin, At))!;

        Assert.Equal("API_TOKEN", row.Payload["env_var_name"]);
        Assert.DoesNotContain(row.Payload.Values, v => v is string text && (text.Contains("c2VhbGVk") || text.Contains("bm9uY2U=")));
    }

    [Fact]
    public void A_finished_jobs_row_names_its_status_in_CircleCIs_spelling()
    {
        var record = AuditActions.Describe(new JobFinished(Job, Project, 42, "build", JobStatus.InfrastructureFail, At))!;
        Assert.Equal("infrastructure_fail", record.Payload["status"]);
        Assert.Equal(42L, record.Payload["job_number"]);
    }

    [Fact]
    public void A_workflows_row_names_its_pipeline_and_revision()
    {
        var record = AuditActions.Describe(new WorkflowStarted(Workflow, "ci", Context, [], Actor.Admin, At))!;
        Assert.Equal(Pipeline.ToString(), record.Payload["pipeline_id"]);
        Assert.Equal(7L, record.Payload["pipeline_number"]);
        Assert.Equal(Context.Revision, record.Payload["revision"]);
        Assert.Equal("ci", record.Payload["workflow_name"]);
    }

    public static TheoryData<object> NotAudited => new()
    {
        new PipelineNumberReserved(Project, Pipeline, 1, At),
        new JobNumbersReserved(Project, Pipeline, 1, 2, At),
        new PipelineWorkflowsCreated(Pipeline, At),
        new WorkflowJobFinished(Workflow, "build", JobStatus.Success, At),
        new WorkflowFinished(Workflow, Project, "ci", WorkflowStatus.Success, At),
        new TaskAssigned(Job, 0, 1, NodeA, At),
        new TaskStepStarted(Job, 0, 1, 0, "make", At),
        new TaskRequeued(Job, 0, 2, At),
        "not an event",
    };

    [Theory]
    [MemberData(nameof(NotAudited))]
    public void Bookkeeping_events_are_not_audited(object @event) => Assert.Null(AuditActions.Describe(@event));
}
