using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// Aggregate states (they are snapshots and query replies) built through their deciders, since
/// their members must agree with each other; each has been through most of its life.
/// </summary>
internal static class States
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 26, 53, 123, TimeSpan.FromHours(-5));
    private static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");
    private static readonly PipelineId Pipeline = PipelineId.From(Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01"));
    private static readonly PipelineId Other = PipelineId.From(Guid.Parse("9a1c0d6e-7a57-4b8e-8c55-2f5d4d8e0b02"));
    private static readonly WorkflowId Workflow = DerivedIds.Workflow(Pipeline, "ci");

    private static JobDefinition Definition(string name, int parallelism = 1) =>
        new(name, new DockerExecutor([new DockerImage("cimg/base:stable", "primary", ["/bin/sh"], ["-c"], "circleci",
                new Dictionary<string, string> { ["TZ"] = "UTC" }), new DockerImage("postgres:15")]),
            [new CheckoutStep("~/src"), new RunStep("make test", "Test", "/bin/bash", "src", new Dictionary<string, string> { ["CI"] = "true" },
                false, "10m", StepWhen.Always), new UnsupportedStep("save_cache")],
            "large", "/bin/bash -eo pipefail", "~/src", parallelism, new Dictionary<string, string> { ["GOFLAGS"] = "-mod=vendor" });

    private static PlannedJob Planned(string name, params string[] requires) =>
        new(name, DerivedIds.Job(Workflow, name), 40 + name.Length, Definition(name), requires, false);

    private static TState Run<TState, TCommand, TEvent>(TState state, Func<TState, TCommand, DateTimeOffset, Decision<TEvent>> decide,
        Func<TState, TEvent, TState> apply, params TCommand[] commands)
    {
        var now = T0;
        foreach (var command in commands)
        {
            now = now.AddSeconds(1.5);
            var decision = decide(state, command, now);
            if (decision.Reply is Rejected rejected) throw new InvalidOperationException($"{command}: {rejected.Reason}");
            state = decision.Events.Aggregate(state, apply);
        }
        return state;
    }

    public static object For(Type type) => type switch
    {
        _ when type == typeof(JobState) => Job(),
        _ when type == typeof(WorkflowState) => WorkflowStateOf(),
        _ when type == typeof(PipelineState) => PipelineStateOf(),
        _ when type == typeof(ProjectState) => ProjectStateOf(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool Covers(Type type) => type == typeof(JobState) || type == typeof(WorkflowState) || type == typeof(PipelineState) || type == typeof(ProjectState);

    /// <summary>A two-task job: one task ran its steps and failed, the other lost its node once and then passed.</summary>
    public static JobState Job()
    {
        var job = DerivedIds.Job(Workflow, "test");
        var template = new JobTaskSpec(job, 0, 1, Project, "https://github.com/acme/app.git", 42, "test", Workflow, "ci", Pipeline, 7,
            "0123456789abcdef0123456789abcdef01234567", "main", "v1.2.3", Definition("test", parallelism: 2));
        var a = new NodeId("node-a");
        var b = new NodeId("node-b");
        return Run<JobState, IJobCommand, IJobEvent>(JobState.Empty(job), JobDecider.Decide, (s, e) => s.Apply(e),
            new JobCommands.ScheduleJob(job, template),
            new JobCommands.AssignTask(job, 0, 1, a), new JobCommands.AssignTask(job, 1, 1, b),
            new JobCommands.ReportStepStarted(job, 0, 1, 0, "Checkout code"),
            new JobCommands.ReportStepFinished(job, 0, 1, 0, 0, StepStatus.Success),
            new JobCommands.ReportStepStarted(job, 0, 1, 1, "Test"),
            new JobCommands.ReportStepFinished(job, 0, 1, 1, 2, StepStatus.Failed),
            new JobCommands.ReportTaskFinished(job, 0, 1, JobStatus.Failed, "exit code 2"),
            new JobCommands.ExpireLease(job, 1, 1, b),
            new JobCommands.AssignTask(job, 1, 2, a),
            new JobCommands.ReportStepStarted(job, 1, 2, 0, "Checkout code"),
            new JobCommands.ReportTaskFinished(job, 1, 2, JobStatus.Success));
    }

    public static WorkflowState WorkflowStateOf()
    {
        var context = new WorkflowContext(Pipeline, 7, Project, "https://github.com/acme/app.git", "0123456789abcdef", "main", null);
        var hold = new PlannedJob("hold", DerivedIds.Job(Workflow, "hold"), null, null, ["build"], true);
        return Run<WorkflowState, IWorkflowCommand, IWorkflowEvent>(WorkflowState.Empty(Workflow), WorkflowDecider.Decide, (s, e) => s.Apply(e),
            new WorkflowCommands.StartWorkflow(Workflow, "ci", context, [Planned("build"), Planned("lint"), hold, Planned("deploy", "hold")],
                new Actor("u-1", "user", "Ada")),
            new WorkflowCommands.RecordJobFinished(Workflow, "build", JobStatus.Success),
            new WorkflowCommands.RecordJobFinished(Workflow, "lint", JobStatus.TimedOut));
    }

    public static PipelineState PipelineStateOf() =>
        Run<PipelineState, IPipelineCommand, IPipelineEvent>(PipelineState.Empty(Pipeline), PipelineDecider.Decide, (s, e) => s.Apply(e),
            new PipelineCommands.CreatePipeline(Pipeline, Project, 7, "https://github.com/acme/app.git", "main", null, null,
                new PipelineTrigger("webhook", Actor.System, T0, "delivery-1")),
            new PipelineCommands.CompileConfig(Pipeline, "abc123", "version: 2.1\n", [new PlannedWorkflow(Workflow, "ci", [Planned("build")])]),
            new PipelineCommands.ConfirmWorkflowsCreated(Pipeline),
            new PipelineCommands.DeletePipeline(Pipeline, Actor.Admin));

    public static ProjectState ProjectStateOf() =>
        Run<ProjectState, IProjectCommand, IProjectEvent>(ProjectState.Empty(Project), ProjectDecider.Decide, (s, e) => s.Apply(e),
            new ProjectCommands.AddProject(Project, "https://github.com/acme/app.git", "main", "s3cret", Actor.Admin),
            new ProjectCommands.ReservePipelineNumber(Project, Pipeline), new ProjectCommands.ReserveJobNumbers(Project, Pipeline, 3),
            new ProjectCommands.ReservePipelineNumber(Project, Other), new ProjectCommands.ReserveJobNumbers(Project, Other, 2),
            new ProjectCommands.SetEnvironmentVariable(Project, "API_TOKEN", new SealedValue("bm9uY2U=", "c2VhbGVk"), Actor.Admin),
            new ProjectCommands.SetEnvironmentVariable(Project, "GONE", new SealedValue("bm9uY2Uy", "c2VhbGVkMg=="), Actor.Admin),
            new ProjectCommands.DeleteEnvironmentVariable(Project, "GONE", Actor.Admin));
}
