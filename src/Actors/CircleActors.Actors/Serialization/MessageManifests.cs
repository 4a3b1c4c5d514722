using CircleActors.Actors.Agents;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Schedules;
using CircleActors.Domain.Schedules.Messages;
using CircleActors.Domain.TestResults.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Serialization;

/// <summary>
/// The stable name of every type that is journaled or crosses the wire. A manifest is written
/// into the journal with each event, so it must never change once released: rename or move a
/// type freely, but keep its manifest. Add new types with new manifests (a new version gets a
/// new suffix).
/// </summary>
public static class MessageManifests
{
    public static readonly IReadOnlyDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        // Journaled events.
        [typeof(ProjectEvents.ProjectAdded)] = "project.added.v1",
        [typeof(ProjectEvents.PipelineNumberReserved)] = "project.pipeline-number-reserved.v1",
        [typeof(ProjectEvents.JobNumbersReserved)] = "project.job-numbers-reserved.v1",
        [typeof(ProjectEvents.ProjectSettingsChanged)] = "project.settings-changed.v1",
        [typeof(ProjectEvents.ScheduledWorkflowsDeclared)] = "project.scheduled-workflows-declared.v1",
        [typeof(ScheduleEvents.ScheduleConfigured)] = "schedule.configured.v1",
        [typeof(ScheduleEvents.ScheduleDisabled)] = "schedule.disabled.v1",
        [typeof(ScheduleEvents.ScheduleFired)] = "schedule.fired.v1",
        [typeof(ScheduleEvents.ScheduledRunsRecorded)] = "schedule.runs-recorded.v1",
        [typeof(ProjectEvents.EnvironmentVariableSet)] = "project.env-var-set.v1",
        [typeof(ProjectEvents.EnvironmentVariableDeleted)] = "project.env-var-deleted.v1",
        [typeof(ProjectEvents.SshKeyAdded)] = "project.ssh-key-added.v1",
        [typeof(ProjectEvents.SshKeyDeleted)] = "project.ssh-key-deleted.v1",
        [typeof(ProjectEvents.CheckoutTokenSet)] = "project.checkout-token-set.v1",
        [typeof(ProjectEvents.CheckoutTokenDeleted)] = "project.checkout-token-deleted.v1",
        [typeof(PipelineEvents.PipelineCreated)] = "pipeline.created.v1",
        [typeof(PipelineEvents.PipelineConfigCompiled)] = "pipeline.config-compiled.v1",
        [typeof(PipelineEvents.PipelineErrored)] = "pipeline.errored.v1",
        [typeof(PipelineEvents.PipelineWorkflowsCreated)] = "pipeline.workflows-created.v1",
        [typeof(PipelineEvents.PipelineDeleted)] = "pipeline.deleted.v1",
        [typeof(WorkflowEvents.WorkflowStarted)] = "workflow.started.v1",
        [typeof(WorkflowEvents.WorkflowJobScheduled)] = "workflow.job-scheduled.v1",
        [typeof(WorkflowEvents.WorkflowJobFinished)] = "workflow.job-finished.v1",
        [typeof(WorkflowEvents.WorkflowFinished)] = "workflow.finished.v1",
        [typeof(WorkflowEvents.WorkflowJobHeld)] = "workflow.job-held.v1",
        [typeof(WorkflowEvents.WorkflowJobApproved)] = "workflow.job-approved.v1",
        [typeof(WorkflowEvents.WorkflowCanceled)] = "workflow.canceled.v1",
        [typeof(JobEvents.JobScheduled)] = "job.scheduled.v1",
        [typeof(JobEvents.TaskAssigned)] = "job.task-assigned.v1",
        [typeof(JobEvents.JobStarted)] = "job.started.v1",
        [typeof(JobEvents.TaskStepStarted)] = "job.step-started.v1",
        [typeof(JobEvents.TaskStepFinished)] = "job.step-finished.v1",
        [typeof(JobEvents.TaskFinished)] = "job.task-finished.v1",
        [typeof(JobEvents.TaskRequeued)] = "job.task-requeued.v1",
        [typeof(JobEvents.JobFinished)] = "job.finished.v1",
        [typeof(JobEvents.JobCancelRequested)] = "job.cancel-requested.v1",
        [typeof(TestResultsEvents.TestResultsRecorded)] = "testresults.recorded.v1",

        // Commands, queries and replies that travel between nodes (agents talk to services nodes).
        [typeof(ProjectCommands.AddProject)] = "project.add.v1",
        [typeof(ProjectCommands.ReservePipelineNumber)] = "project.reserve-pipeline-number.v1",
        [typeof(ProjectCommands.ReserveJobNumbers)] = "project.reserve-job-numbers.v1",
        [typeof(ProjectCommands.ChangeSettings)] = "project.change-settings.v1",
        [typeof(ProjectCommands.SetEnvironmentVariable)] = "project.set-env-var.v1",
        [typeof(ProjectCommands.DeleteEnvironmentVariable)] = "project.delete-env-var.v1",
        [typeof(ProjectCommands.AddSshKey)] = "project.add-ssh-key.v1",
        [typeof(ProjectCommands.DeleteSshKey)] = "project.delete-ssh-key.v1",
        [typeof(ProjectCommands.SetCheckoutToken)] = "project.set-checkout-token.v1",
        [typeof(ProjectCommands.DeleteCheckoutToken)] = "project.delete-checkout-token.v1",
        [typeof(ProjectQueries.GetProject)] = "project.get.v1",
        [typeof(ProjectCommands.DeclareScheduledWorkflows)] = "project.declare-scheduled-workflows.v1",
        [typeof(ProjectReplies.ScheduledWorkflowsKnown)] = "project.reply.scheduled-workflows.v1",
        [typeof(ScheduleCommands.ConfigureSchedule)] = "schedule.configure.v1",
        [typeof(ScheduleCommands.FireDueTime)] = "schedule.fire-due-time.v1",
        [typeof(ScheduleCommands.RecordScheduledRuns)] = "schedule.record-runs.v1",
        [typeof(ScheduleQueries.GetSchedule)] = "schedule.get.v1",
        [typeof(ScheduleState)] = "schedule.state.v1",
        [typeof(ProjectEnvironmentProtocol.GetProjectEnvironment)] = "project.get-environment.v1",
        [typeof(ProjectEnvironmentProtocol.ProjectEnvironment)] = "project.environment.v1",
        [typeof(ProjectReplies.PipelineNumberReserved)] = "project.reply.pipeline-number.v1",
        [typeof(ProjectReplies.JobNumbersReserved)] = "project.reply.job-numbers.v1",
        [typeof(ProjectState)] = "project.state.v1",
        [typeof(PipelineCommands.CreatePipeline)] = "pipeline.create.v1",
        [typeof(PipelineCommands.CompileConfig)] = "pipeline.compile-config.v1",
        [typeof(PipelineCommands.FailPipeline)] = "pipeline.fail.v1",
        [typeof(PipelineCommands.ConfirmWorkflowsCreated)] = "pipeline.confirm-workflows-created.v1",
        [typeof(PipelineCommands.DeletePipeline)] = "pipeline.delete.v1",
        [typeof(PipelineQueries.GetPipeline)] = "pipeline.get.v1",
        [typeof(PipelineState)] = "pipeline.state.v1",
        [typeof(WorkflowCommands.StartWorkflow)] = "workflow.start.v1",
        [typeof(WorkflowCommands.RecordJobFinished)] = "workflow.record-job-finished.v1",
        [typeof(WorkflowCommands.ApproveJob)] = "workflow.approve-job.v1",
        [typeof(WorkflowCommands.CancelWorkflow)] = "workflow.cancel.v1",
        [typeof(WorkflowQueries.GetWorkflow)] = "workflow.get.v1",
        [typeof(WorkflowState)] = "workflow.state.v1",
        [typeof(JobCommands.ScheduleJob)] = "job.schedule.v1",
        [typeof(JobCommands.AssignTask)] = "job.assign-task.v1",
        [typeof(JobCommands.ReportStepStarted)] = "job.report-step-started.v1",
        [typeof(JobCommands.ReportStepFinished)] = "job.report-step-finished.v1",
        [typeof(JobCommands.ReportSteps)] = "job.report-steps.v1",
        [typeof(JobCommands.ReportTaskFinished)] = "job.report-task-finished.v1",
        [typeof(JobCommands.ExpireLease)] = "job.expire-lease.v1",
        [typeof(JobCommands.CancelJob)] = "job.cancel.v1",
        [typeof(JobQueries.GetJob)] = "job.get.v1",
        [typeof(JobReplies.TaskAssignmentAccepted)] = "job.reply.assignment-accepted.v1",
        [typeof(JobState)] = "job.state.v1",
        [typeof(TestResultsCommands.RecordTestResults)] = "testresults.record.v1",
        [typeof(TestResultsQueries.GetTestTimings)] = "testresults.get-timings.v1",
        [typeof(TestResultsReplies.TestTimings)] = "testresults.reply.timings.v1",
        [typeof(Domain.TestResults.TestResultsState)] = "testresults.state.v1",
        [typeof(Accepted)] = "reply.accepted.v1",
        [typeof(Rejected)] = "reply.rejected.v1",

        // The agent protocol (docs/agent-protocol.md).
        [typeof(AgentProtocol.RegisterAgent)] = "agent.register.v1",
        [typeof(AgentProtocol.AgentRegistered)] = "agent.registered.v1",
        [typeof(AgentProtocol.RegistrationRequired)] = "agent.registration-required.v1",
        [typeof(AgentProtocol.RequestWork)] = "agent.request-work.v1",
        [typeof(AgentProtocol.RunTask)] = "agent.run-task.v1",
        [typeof(AgentProtocol.CancelTask)] = "agent.cancel-task.v1",
        [typeof(AgentProtocol.ExtendLease)] = "agent.extend-lease.v1",
        [typeof(AgentProtocol.LeaseExtended)] = "agent.lease-extended.v1",
        [typeof(AgentProtocol.NodeSettings)] = "agent.node-settings.v1",
        [typeof(LogProtocol.LogChunk)] = "log.chunk.v1",
        [typeof(LogProtocol.LogChunkAck)] = "log.chunk-ack.v1",
        [typeof(LogProtocol.LogChunks)] = "log.chunks.v1",
        [typeof(LogProtocol.LogChunkAcks)] = "log.chunk-acks.v1",
        // Live notices, sent to every services node's event hub over distributed pub-sub.
        [typeof(LogProtocol.StepOutputWritten)] = "log.step-output-written.v1",
        [typeof(Projections.ReadDocumentsChanged)] = "projection.read-documents-changed.v1",
        [typeof(BlobProtocol.OpenUpload)] = "blob.open-upload.v1",
        [typeof(BlobProtocol.AwaitUpload)] = "blob.await-upload.v1",
        [typeof(BlobProtocol.OpenDownload)] = "blob.open-download.v1",
        [typeof(BlobProtocol.FindCache)] = "blob.find-cache.v1",
        [typeof(BlobProtocol.FindWorkspaceLayers)] = "blob.find-workspace-layers.v1",
        [typeof(BlobProtocol.BlobList)] = "blob.list.v1",
        [typeof(BlobInfo)] = "blob.info.v1",
        [typeof(SchedulerProtocol.EnqueueTask)] = "scheduler.enqueue-task.v1",
        [typeof(SchedulerProtocol.ReleaseTask)] = "scheduler.release-task.v1",
        [typeof(SchedulerProtocol.CancelRunningTask)] = "scheduler.cancel-running-task.v1",
        [typeof(SchedulerProtocol.GetNodes)] = "scheduler.get-nodes.v1",
        [typeof(SchedulerProtocol.NodeList)] = "scheduler.node-list.v1",
        [typeof(SchedulerProtocol.GetPendingTasks)] = "scheduler.get-pending.v1",
        [typeof(SchedulerProtocol.PendingTaskList)] = "scheduler.pending-list.v1",
        [typeof(SchedulerProtocol.SetDrain)] = "scheduler.set-drain.v1",
        [typeof(SchedulerProtocol.SetEligibility)] = "scheduler.set-eligibility.v1",
        [typeof(SchedulerProtocol.NodeChanged)] = "scheduler.node-changed.v1",
    };

    /// <summary>The domain's message families; every type implementing one must have a manifest.</summary>
    public static readonly IReadOnlyList<Type> MarkerInterfaces =
    [
        typeof(IProjectEvent), typeof(IPipelineEvent), typeof(IWorkflowEvent), typeof(IJobEvent), typeof(IScheduleEvent),
        typeof(IProjectCommand), typeof(IPipelineCommand), typeof(IWorkflowCommand), typeof(IJobCommand), typeof(IScheduleCommand),
        typeof(ITestResultsEvent), typeof(ITestResultsMessage),
    ];

    public static readonly IReadOnlyDictionary<string, Type> ByManifest = ByType.ToDictionary(kv => kv.Value, kv => kv.Key);
}
