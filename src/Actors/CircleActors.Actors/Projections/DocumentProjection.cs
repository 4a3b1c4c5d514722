using System.Data.Common;
using System.Text.Json;
using Akka.Persistence.Query;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Serialization;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Projections;

/// <summary>
/// Read documents for pipelines, workflows and jobs: each is the aggregate's own state, folded
/// from its events with the domain's <c>Apply</c>, so the read side cannot disagree with the
/// entity about what an event means. A few columns are lifted out for lookups and lists.
/// </summary>
public sealed class DocumentProjection : IProjection
{
    public const string PipelineKind = "pipeline";
    public const string WorkflowKind = "workflow";
    public const string JobKind = "job";

    public string Name => "documents";

    public IReadOnlyList<string> Tags => [DomainEventTagger.PipelineTag, DomainEventTagger.WorkflowTag, DomainEventTagger.JobTag];

    public async Task ApplyAsync(DbConnection connection, DbTransaction transaction, EventEnvelope envelope, CancellationToken ct)
    {
        switch (envelope.Event)
        {
            case IPipelineEvent e:
            {
                var state = await LoadAsync(connection, transaction, PipelineKind, e.PipelineId.ToString(), () => PipelineState.Empty(e.PipelineId), ct);
                state = state.Apply(e);
                var created = state.Created!;
                await StoreAsync(connection, transaction, new ReadDocuments.Row(PipelineKind, e.PipelineId.ToString(), created.Project.Value,
                    created.Number, null, state.Stage.ToString().ToLowerInvariant(), created.At, e.At), state, ct);
                if (e is PipelineEvents.PipelineDeleted)
                    await ReadDocuments.HidePipelineTreeAsync(connection, transaction, e.PipelineId.ToString(), deleting: true, ct);
                break;
            }
            case IWorkflowEvent e:
            {
                var state = await LoadAsync(connection, transaction, WorkflowKind, e.WorkflowId.ToString(), () => WorkflowState.Empty(e.WorkflowId), ct);
                var isNew = !state.Exists;
                state = state.Apply(e is WorkflowEvents.WorkflowStarted workflowStarted ? WithoutDefinitions(workflowStarted) : e);
                var started = state.Started!;
                await StoreAsync(connection, transaction, new ReadDocuments.Row(WorkflowKind, e.WorkflowId.ToString(), started.Context.Project.Value,
                    started.Context.PipelineNumber, started.Context.PipelineId.ToString(), WorkflowDecider.CurrentStatus(state).ToWire(), started.At, e.At), state, ct);
                if (isNew) await ReadDocuments.HidePipelineTreeAsync(connection, transaction, started.Context.PipelineId.ToString(), deleting: false, ct);
                break;
            }
            case IJobEvent e:
            {
                var state = await LoadAsync(connection, transaction, JobKind, e.JobId.ToString(), () => JobState.Empty(e.JobId), ct);
                var isNew = !state.Exists;
                state = state.Apply(e);
                var spec = state.Template!;
                await StoreAsync(connection, transaction, new ReadDocuments.Row(JobKind, e.JobId.ToString(), spec.Project.Value,
                    spec.JobNumber, spec.WorkflowId.ToString(), state.Status.ToWire(), state.QueuedAt ?? e.At, e.At), state, ct);
                if (isNew) await ReadDocuments.HidePipelineTreeAsync(connection, transaction, spec.PipelineId.ToString(), deleting: false, ct);
                break;
            }
        }
    }

    /// <summary>
    /// The read document keeps the graph, not each job's definition (that is in the job's own
    /// document): a workflow document is rewritten for each of its jobs' events, and with the
    /// definitions it grows with the square of the workflow's size.
    /// </summary>
    public static WorkflowEvents.WorkflowStarted WithoutDefinitions(WorkflowEvents.WorkflowStarted started) =>
        started with { Jobs = started.Jobs.Select(j => j with { Definition = null }).ToList() };

    private static async Task<T> LoadAsync<T>(DbConnection connection, DbTransaction transaction, string kind, string id, Func<T> empty, CancellationToken ct)
    {
        var json = await ReadDocuments.LoadJsonAsync(connection, transaction, kind, id, ct);
        return json is null ? empty() : JsonSerializer.Deserialize<T>(json, DomainSerializer.Options)!;
    }

    private static Task StoreAsync<T>(DbConnection connection, DbTransaction transaction, ReadDocuments.Row row, T state, CancellationToken ct) =>
        ReadDocuments.UpsertAsync(connection, transaction, row, JsonSerializer.Serialize(state, DomainSerializer.Options), ct);
}
