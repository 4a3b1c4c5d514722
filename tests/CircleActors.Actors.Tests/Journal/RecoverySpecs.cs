using System.Collections.Concurrent;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Workflows;
using Xunit.Abstractions;
using static CircleActors.Domain.Jobs.Messages.JobEvents;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>A node that stops mid-run leaves nothing stuck: the next node on the same journal sees the work through.</summary>
public sealed class RecoverySpecs(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_job_running_when_its_node_stops_is_remembered_its_lease_lapses_and_it_runs_again_to_success(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(Ci.TwoJobConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        var pipeline = default(Domain.Common.PipelineId);
        var jobA = default(Domain.Common.JobId);

        await using (var first = await TestNode.StartAsync(journal, output))
        {
            first.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>(), hold: spec => spec.JobName == "a");
            await Ci.AddProjectAsync(first, repository.Path);
            pipeline = await Ci.TriggerAsync(first, repository.Path);
            jobA = Ci.Job(pipeline, "a");
            await Eventually.MatchesAsync(() => Ci.JobAsync(first, jobA), j => j.Exists && j.Tasks[0].Status == JobStatus.Running,
                TimeSpan.FromSeconds(60), "job a running");
            // project.add, workflow.start, a scheduled, a started: the projector has stored offsets to resume from.
            await Eventually.MatchesAsync(() => Ci.AuditAsync(first), rows => rows.Count == 4, what: "four audit rows");
        }

        await using var second = await TestNode.StartAsync(journal, output);
        var received = new ConcurrentQueue<JobTaskSpec>();
        second.StartAgent("agent-2", received);

        // Nothing is sent to the entities: only remembered entities can take the run further.
        var workflow = await Eventually.MatchesAsync(
            () => second.Documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, Ci.Workflow(pipeline).ToString()),
            w => w?.IsFinished == true, TimeSpan.FromSeconds(60), "workflow document finished");
        Assert.Equal(WorkflowStatus.Success, workflow!.FinishedWith);
        Assert.Equal([("a", 2), ("b", 1)], received.Select(s => (s.JobName, s.Attempt)));

        var events = await Ci.EventsAsync(second, JobEntity.PersistencePrefix + jobA);
        var lapsed = Assert.Single(events.OfType<TaskFinished>(), e => e.Attempt == 1);
        Assert.Equal(JobStatus.InfrastructureFail, lapsed.Status);
        Assert.Contains("agent-1", lapsed.Reason);
        Assert.Single(events.OfType<TaskRequeued>(), e => e.Attempt == 2);
        Assert.Equal(JobStatus.Success, Assert.Single(events.OfType<JobFinished>()).Status);
        Assert.Single(events.OfType<JobStarted>());

        var audit = await Eventually.MatchesAsync(() => Ci.AuditAsync(second), rows => rows.Count >= 8, what: "eight audit rows");
        await Task.Delay(TimeSpan.FromSeconds(1));
        audit = await Ci.AuditAsync(second);
        Assert.Equal(
            ["project.add", "workflow.job.finish", "workflow.job.finish", "workflow.job.scheduled", "workflow.job.scheduled",
             "workflow.job.start", "workflow.job.start", "workflow.start"],
            audit.Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.Equal(audit.Count, audit.Select(r => (r.Action, r.Target)).Distinct().Count());
    }
}
