using System.Collections.Concurrent;
using CircleActors.Actors.Common;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>A pipeline from trigger to the read side and the audit log, on a one-node cluster over each journal.</summary>
public sealed class PipelineRunSpecs(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_two_job_workflow_runs_on_an_agent_to_success_and_is_projected_and_audited(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(Ci.TwoJobConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        node.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());

        await Ci.AddProjectAsync(node, repository.Path);
        var pipeline = await Ci.TriggerAsync(node, repository.Path);

        var workflow = await Eventually.MatchesAsync(() => Ci.WorkflowAsync(node, Ci.Workflow(pipeline)),
            w => w.IsFinished, TimeSpan.FromSeconds(60), "workflow finished");
        Assert.Equal(WorkflowStatus.Success, workflow.FinishedWith);
        var pipelineState = await Eventually.MatchesAsync(() => Ci.PipelineAsync(node, pipeline), p => p.WorkflowsCreated, what: "workflows created");
        Assert.Equal(PipelineStage.Created, pipelineState.Stage);
        Assert.Equal(await repository.HeadAsync(), pipelineState.Revision);
        var a = await Ci.JobAsync(node, Ci.Job(pipeline, "a"));
        var b = await Ci.JobAsync(node, Ci.Job(pipeline, "b"));
        Assert.Equal((JobStatus.Success, 1L), (a.Status, a.Template!.JobNumber));
        Assert.Equal((JobStatus.Success, 2L), (b.Status, b.Template!.JobNumber));
        Assert.Equal(["Checkout code", "echo a"], a.Tasks[0].Steps.Select(s => s.Name));

        var workflowDocument = await Eventually.MatchesAsync(
            () => node.Documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, Ci.Workflow(pipeline).ToString()),
            w => w?.IsFinished == true, what: "workflow document finished");
        // The document keeps the graph without each job's definition (the job documents have them).
        Assert.Equal(Ci.Json(workflow with { Started = DocumentProjection.WithoutDefinitions(workflow.Started!) }), Ci.Json(workflowDocument));
        var jobDocuments = await Eventually.MatchesAsync(
            () => node.Documents.ChildrenAsync<JobState>(DocumentProjection.JobKind, Ci.Workflow(pipeline).ToString()),
            jobs => jobs.Count == 2 && jobs.All(j => j.IsFinished), what: "job documents finished");
        Assert.Equal([(1L, JobStatus.Success), (2L, JobStatus.Success)],
            jobDocuments.Select(j => (j.Template!.JobNumber, j.Status)).OrderBy(j => j.JobNumber));
        Assert.Equal(Ci.Json(a), Ci.Json(jobDocuments.Single(j => j.Id == a.Id)));
        var pipelineDocument = await Eventually.MatchesAsync(
            () => node.Documents.ByNumberAsync<PipelineState>(DocumentProjection.PipelineKind, Ci.Project.Value, 1),
            p => p?.WorkflowsCreated == true, what: "pipeline document caught up");
        Assert.Equal(Ci.Json(pipelineState), Ci.Json(pipelineDocument));

        var audit = await Eventually.MatchesAsync(() => Ci.AuditAsync(node), rows => rows.Count >= 8, what: "eight audit rows");
        Assert.Equal(
            ["project.add", "workflow.job.finish", "workflow.job.finish", "workflow.job.scheduled", "workflow.job.scheduled",
             "workflow.job.start", "workflow.job.start", "workflow.start"],
            audit.Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.Equal(audit.Count, audit.Select(r => r.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_deleted_pipeline_its_workflow_and_jobs_are_hidden_from_every_read_and_its_events_kept(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(Ci.TwoJobConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        node.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());
        await Ci.AddProjectAsync(node, repository.Path);
        var pipeline = await Ci.TriggerAsync(node, repository.Path);
        var workflow = Ci.Workflow(pipeline).ToString();
        await Eventually.MatchesAsync(() => node.Documents.ChildrenAsync<JobState>(DocumentProjection.JobKind, workflow),
            jobs => jobs.Count == 2 && jobs.All(j => j.IsFinished), TimeSpan.FromSeconds(60), "job documents finished");

        await Reliably.AskForAsync<Accepted>(node.Get<PipelineRegion>(), new PipelineCommands.DeletePipeline(pipeline, Actor.Admin));

        await Eventually.MatchesAsync(() => node.Documents.IsDeletedAsync(DocumentProjection.PipelineKind, pipeline.ToString()), d => d, what: "pipeline hidden");
        Assert.Null(await node.Documents.GetAsync<PipelineState>(DocumentProjection.PipelineKind, pipeline.ToString()));
        Assert.Null(await node.Documents.ByNumberAsync<PipelineState>(DocumentProjection.PipelineKind, Ci.Project.Value, 1));
        Assert.Empty(await node.Documents.RecentAsync<PipelineState>(DocumentProjection.PipelineKind, Ci.Project.Value, 10));
        Assert.Null(await node.Documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, workflow));
        Assert.Empty(await node.Documents.ChildrenAsync<WorkflowState>(DocumentProjection.WorkflowKind, pipeline.ToString()));
        Assert.Empty(await node.Documents.ChildrenAsync<JobState>(DocumentProjection.JobKind, workflow));
        Assert.Null(await node.Documents.ByNumberAsync<JobState>(DocumentProjection.JobKind, Ci.Project.Value, 1));
        Assert.Empty(await node.Documents.WithStatusEverywhereAsync<JobState>(DocumentProjection.JobKind, ["success"], 10));
        Assert.True(await node.Documents.IsDeletedAsync(DocumentProjection.JobKind, Ci.Job(pipeline, "b").ToString()));
        var tombstone = await node.Documents.ByNumberAsync<PipelineState>(DocumentProjection.PipelineKind, Ci.Project.Value, 1, includeDeleted: true);
        Assert.Equal(Actor.Admin, tombstone!.Deleted!.Actor);

        var events = await Ci.EventsAsync(node, PipelineEntity.PersistencePrefix + pipeline.Value);
        Assert.IsType<PipelineEvents.PipelineCreated>(events[0]);
        Assert.IsType<PipelineEvents.PipelineDeleted>(events[^1]);
        var audit = await Eventually.MatchesAsync(() => Ci.AuditAsync(node), rows => rows.Any(r => r.Action == "pipeline.delete"), what: "deletion audited");
        Assert.Contains(pipeline.ToString(), audit.Single(r => r.Action == "pipeline.delete").Target);
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_config_with_a_tab_errors_the_pipeline_at_the_tab_and_audits_it(string provider)
    {
        const string broken = "version: 2.1\njobs:\n  a:\n    docker: [{image: circleactors/busybox:latest}]\n    steps:\n      - checkout\n\t  - run: make\n"
                              + "workflows:\n  main:\n    jobs: [a]\n";
        using var repository = await TestRepository.WithConfigAsync(broken);
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);

        await Ci.AddProjectAsync(node, repository.Path);
        var pipeline = await Ci.TriggerAsync(node, repository.Path);

        var state = await Eventually.MatchesAsync(() => Ci.PipelineAsync(node, pipeline), p => p.Stage != PipelineStage.Pending,
            TimeSpan.FromSeconds(30), "pipeline out of pending");
        Assert.Equal(PipelineStage.Errored, state.Stage);
        var error = Assert.Single(state.Errors);
        Assert.Equal("config", error.Type);
        Assert.Matches(@"^\.circleci/config\.yml:7:1: .*tab", error.Message);

        // Each tag is projected by its own stream: the project's row may come after the pipeline's.
        var audit = await Eventually.MatchesAsync(() => Ci.AuditAsync(node), rows => rows.Count >= 2, what: "two audit rows");
        Assert.Equal(["project.add", "workflow.error"], audit.Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.Contains(pipeline.ToString(), audit.Single(r => r.Action == "workflow.error").Target);
    }
}
