using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Tests.Support;

/// <summary>What a spec does to a node as the API would: add projects, trigger pipelines, look at entities and the read side.</summary>
public static class Ci
{
    public static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");

    /// <summary>Two jobs on the image the Docker executor specs build locally; b runs after a.</summary>
    public const string TwoJobConfig = """
        version: 2.1
        jobs:
          a:
            docker: [{image: circleactors/busybox:latest}]
            steps:
              - checkout
              - run: echo a
          b:
            docker: [{image: circleactors/busybox:latest}]
            steps:
              - run: echo b
        workflows:
          main:
            jobs:
              - a
              - b:
                  requires: [a]
        """;

    public static async Task<ProjectState> AddProjectAsync(TestNode node, string repositoryUrl) =>
        await Reliably.AskForAsync<ProjectState>(node.Get<ProjectRegion>(),
            new ProjectCommands.AddProject(Project, repositoryUrl, "main", "webhook-secret", Actor.Admin));

    /// <summary>Numbers and creates a pipeline for the head of <c>main</c>, as a trigger does.</summary>
    public static async Task<PipelineId> TriggerAsync(TestNode node, string repositoryUrl)
    {
        var id = PipelineId.New();
        var number = await Reliably.AskForAsync<ProjectReplies.PipelineNumberReserved>(node.Get<ProjectRegion>(),
            new ProjectCommands.ReservePipelineNumber(Project, id));
        await Reliably.AskForAsync<PipelineState>(node.Get<PipelineRegion>(), new PipelineCommands.CreatePipeline(
            id, Project, number.Number, repositoryUrl, "main", null, null, new PipelineTrigger("api", Actor.Admin, DateTimeOffset.UtcNow)));
        return id;
    }

    public static WorkflowId Workflow(PipelineId pipeline, string name = "main") => DerivedIds.Workflow(pipeline, name);

    public static JobId Job(PipelineId pipeline, string name, string workflow = "main") => DerivedIds.Job(Workflow(pipeline, workflow), name);

    public static Task<PipelineState> PipelineAsync(TestNode node, PipelineId id) =>
        Reliably.AskForAsync<PipelineState>(node.Get<PipelineRegion>(), new PipelineQueries.GetPipeline(id));

    public static Task<WorkflowState> WorkflowAsync(TestNode node, WorkflowId id) =>
        Reliably.AskForAsync<WorkflowState>(node.Get<WorkflowRegion>(), new WorkflowQueries.GetWorkflow(id));

    public static Task<JobState> JobAsync(TestNode node, JobId id) =>
        Reliably.AskForAsync<JobState>(node.Get<JobRegion>(), new JobQueries.GetJob(id));

    /// <summary>The audit log as (action, target id, row id), oldest first.</summary>
    public static async Task<IReadOnlyList<(string Action, string Target, string Id)>> AuditAsync(TestNode node)
    {
        await using var connection = await node.ReadStore.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT action, target, id FROM audit_log ORDER BY occurred_at, action";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return rows;
    }

    /// <summary>A state as the read side stores it: two states are the same when their JSON is.</summary>
    public static string Json<T>(T state) => System.Text.Json.JsonSerializer.Serialize(state, CircleActors.Actors.Serialization.DomainSerializer.Options);

    /// <summary>The events journaled for one entity, read back through the query side.</summary>
    public static async Task<IReadOnlyList<object>> EventsAsync(TestNode node, string persistenceId)
    {
        var journal = PersistenceQuery.Get(node.System).ReadJournalFor<SqlReadJournal>("akka.persistence.query.journal.sql");
        var envelopes = await journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), node.System.Materializer());
        return envelopes.Select(e => e.Event).ToList();
    }
}
