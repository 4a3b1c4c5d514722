using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using static CircleActors.Domain.Pipelines.Messages.PipelineCommands;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Pipelines;

/// <summary>A pipeline's stages: pending until its config is read, then created (and its workflows started) or errored.</summary>
public sealed class PipelineDeciderSpecs
{
    private static readonly PipelineTrigger Trigger = new("webhook", Actor.System, T0, "delivery-1");
    private static readonly CreatePipeline Create = new(Pipeline, Project, 7, "https://github.com/acme/app.git", "main", null, null, Trigger);
    private static readonly IReadOnlyList<PlannedWorkflow> Plan = [new(Workflow, "build-test-deploy", [Planned("build")])];
    private static readonly CompileConfig Compile = new(Pipeline, "abc123", "version: 2.1", Plan);
    private static readonly FailPipeline Fail = new(Pipeline, "abc123", [new PipelineError("config", "job x is not defined")]);
    private static readonly ConfirmWorkflowsCreated Confirm = new(Pipeline);
    private static readonly DeletePipeline Delete = new(Pipeline, Actor.Admin);

    private static Aggregate<PipelineState, IPipelineCommand, IPipelineEvent> NewPipeline() =>
        new(PipelineState.Empty(Pipeline), PipelineDecider.Decide, (state, e) => state.Apply(e));

    private static Aggregate<PipelineState, IPipelineCommand, IPipelineEvent> Through(params IPipelineCommand[] commands)
    {
        var pipeline = NewPipeline();
        foreach (var command in commands) pipeline.Send(command);
        return pipeline;
    }

    [Fact]
    public void A_new_pipeline_is_pending_and_answers_with_its_state()
    {
        var pipeline = NewPipeline();
        var decision = pipeline.Send(Create);
        var created = Assert.IsType<PipelineCreated>(Assert.Single(decision.Events));
        Assert.Equal((7L, Trigger, pipeline.Now), (created.Number, created.Trigger, created.At));
        Assert.Equal(PipelineStage.Pending, pipeline.State.Stage);
        Assert.True(pipeline.State.HasUnfinishedWork);
        Assert.Equal(pipeline.State, decision.Reply);
    }

    [Fact]
    public void A_redelivered_trigger_answers_with_the_pipeline_that_exists()
    {
        var pipeline = Through(Create, Compile);
        var again = pipeline.Send(Create with { Number = 8 });
        Assert.Empty(again.Events);
        Assert.Same(pipeline.State, again.Reply);
        Assert.Equal(7, pipeline.State.Created!.Number);
    }

    [Fact]
    public void A_compiled_config_creates_the_pipeline_with_its_planned_workflows_and_revision()
    {
        var pipeline = Through(Create);
        var decision = pipeline.Send(Compile);
        Assert.Equal(new PipelineConfigCompiled(Pipeline, Project, "abc123", "version: 2.1", Plan, pipeline.Now), Assert.Single(decision.Events));
        Assert.Equal((PipelineStage.Created, "abc123"), (pipeline.State.Stage, pipeline.State.Revision));
        Assert.Same(Plan, pipeline.State.Workflows);
        Assert.True(pipeline.State.HasUnfinishedWork);

        pipeline.Send(Confirm);
        Assert.True(pipeline.State.WorkflowsCreated);
        Assert.False(pipeline.State.HasUnfinishedWork);
    }

    [Fact]
    public void A_config_that_cannot_be_used_errors_the_pipeline()
    {
        var pipeline = Through(Create);
        pipeline.Send(Fail);
        Assert.Equal(PipelineStage.Errored, pipeline.State.Stage);
        Assert.Equal(Fail.Errors, pipeline.State.Errors);
        Assert.False(pipeline.State.HasUnfinishedWork);
    }

    [Fact]
    public void An_error_without_a_revision_keeps_the_revision_the_pipeline_was_created_with()
    {
        var pipeline = Through(Create with { Revision = "def456" }, Fail with { Revision = null });
        Assert.Equal("def456", pipeline.State.Revision);
    }

    [Fact]
    public void Only_a_pending_pipeline_reads_its_config_and_only_once()
    {
        foreach (var settled in new[] { Through(Create, Compile), Through(Create, Fail), Through(Create, Compile, Confirm) })
        {
            Assert.Empty(settled.Send(Compile with { Revision = "other" }).Events);
            Assert.Empty(settled.Send(Fail).Events);
        }
        Assert.Empty(Through(Create, Fail).Send(Confirm).Events);
        Assert.Empty(Through(Create).Send(Confirm).Events);
    }

    [Fact]
    public void Commands_to_a_pipeline_that_was_never_created_are_not_found()
    {
        foreach (var command in new IPipelineCommand[] { Compile, Fail, Confirm, Delete, new PipelineQueries.GetPipeline(Pipeline) })
            Assert.Equal(RejectionKind.NotFound, Assert.IsType<Rejected>(NewPipeline().Send(command).Reply).Kind);
    }

    [Theory]
    [InlineData("created")]
    [InlineData("errored")]
    public void A_command_repeated_after_it_took_effect_decides_no_new_events(string path)
    {
        IPipelineCommand[] commands = path == "created" ? [Create, Compile, Confirm] : [Create, Fail];
        var pipeline = NewPipeline();
        foreach (var command in commands)
        {
            Assert.NotEmpty(pipeline.Send(command).Events);
            Assert.Empty(pipeline.Peek(command).Events);
        }
        Assert.Equal(pipeline.State, pipeline.Replay());
    }

    public static TheoryData<string> Stages => new() { "pending", "created", "started", "errored" };

    private static Aggregate<PipelineState, IPipelineCommand, IPipelineEvent> At(string stage) => stage switch
    {
        "pending" => Through(Create),
        "created" => Through(Create, Compile),
        "started" => Through(Create, Compile, Confirm),
        _ => Through(Create, Fail),
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void A_pipeline_at_any_stage_is_deleted_by_whom_and_when_and_keeps_its_history(string stage)
    {
        var pipeline = At(stage);
        var before = pipeline.State;
        var decision = pipeline.Send(Delete);

        Assert.Equal(new PipelineDeleted(Pipeline, Project, 7, Actor.Admin, pipeline.Now), Assert.Single(decision.Events));
        Assert.Same(Accepted.Instance, decision.Reply);
        Assert.True(pipeline.State.IsDeleted);
        Assert.Equal(before with { Deleted = pipeline.State.Deleted }, pipeline.State);
        Assert.False(pipeline.State.HasUnfinishedWork);
        Assert.Equal(pipeline.State, pipeline.Send(new PipelineQueries.GetPipeline(Pipeline)).Reply);
        Assert.Equal(pipeline.State, pipeline.Replay());
    }

    [Fact]
    public void Deleting_a_deleted_pipeline_again_decides_nothing_and_keeps_the_first_deletion()
    {
        var pipeline = Through(Create, Compile, Confirm, Delete);
        var first = pipeline.State.Deleted;
        var again = pipeline.Send(Delete with { Actor = Actor.System });
        Assert.Empty(again.Events);
        Assert.Same(Accepted.Instance, again.Reply);
        Assert.Same(first, pipeline.State.Deleted);
    }

    [Fact]
    public void A_pipeline_deleted_while_pending_goes_no_further()
    {
        foreach (var late in new IPipelineCommand[] { Compile, Fail })
        {
            var pipeline = Through(Create, Delete);
            var decision = pipeline.Send(late);
            Assert.Empty(decision.Events);
            Assert.Same(Accepted.Instance, decision.Reply);
            Assert.Equal(PipelineStage.Pending, pipeline.State.Stage);
        }
        var compiled = Through(Create, Compile, Delete);
        Assert.Empty(compiled.Send(Confirm).Events);
        Assert.False(compiled.State.WorkflowsCreated);
        Assert.False(compiled.State.HasUnfinishedWork);
    }

    private static readonly PipelineCreated CreatedEvent = new(Pipeline, Project, 7, "u", "main", null, null, Trigger, T0);
    private static readonly PipelineConfigCompiled CompiledEvent = new(Pipeline, Project, "abc", "", [], T0);
    private static readonly PipelineErrored ErroredEvent = new(Pipeline, Project, null, [], T0);
    private static readonly PipelineWorkflowsCreated WorkflowsCreatedEvent = new(Pipeline, T0);
    private static readonly PipelineDeleted DeletedEvent = new(Pipeline, Project, 7, Actor.Admin, T0);

    public static TheoryData<IPipelineEvent[], IPipelineEvent> Contradictions => new()
    {
        { [CreatedEvent], CreatedEvent },
        { [], CompiledEvent },
        { [CreatedEvent, CompiledEvent], CompiledEvent },
        { [CreatedEvent, CompiledEvent], ErroredEvent },
        { [CreatedEvent, ErroredEvent], CompiledEvent },
        { [CreatedEvent, ErroredEvent], ErroredEvent },
        { [CreatedEvent], WorkflowsCreatedEvent },
        { [CreatedEvent, ErroredEvent], WorkflowsCreatedEvent },
        { [CreatedEvent, CompiledEvent, WorkflowsCreatedEvent], WorkflowsCreatedEvent },
        { [], DeletedEvent },
        { [CreatedEvent, DeletedEvent], DeletedEvent },
        { [CreatedEvent, DeletedEvent], CompiledEvent },
        { [CreatedEvent, DeletedEvent], ErroredEvent },
        { [CreatedEvent, CompiledEvent, DeletedEvent], WorkflowsCreatedEvent },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void An_event_that_contradicts_the_stage_throws(IPipelineEvent[] history, IPipelineEvent next)
    {
        var state = history.Aggregate(PipelineState.Empty(Pipeline), (s, e) => s.Apply(e));
        Assert.Throws<InvalidOperationException>(() => state.Apply(next));
    }
}
