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

    /// <summary>
    /// Folds the batch into its documents and writes each changed document once, at the end: a
    /// workflow's document holds every job's status, and writing it for each of its jobs' events
    /// rewrote a 400-job document 800 times per run.
    /// </summary>
    public async Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        var documents = new Dictionary<(string Kind, string Id), Document>();
        // Pipelines whose trees are hidden again once the batch's documents are stored (the
        // documents must exist for the hiding to reach them).
        var hide = new List<(string PipelineId, bool Deleting)>();
        void Hide(string pipelineId, bool deleting)
        {
            if (!hide.Contains((pipelineId, deleting))) hide.Add((pipelineId, deleting));
        }

        async Task<Document> Get<T>(string kind, string id, Func<T> empty) where T : class
        {
            if (documents.TryGetValue((kind, id), out var cached)) return cached;
            var json = await ReadDocuments.LoadJsonAsync(connection, transaction, kind, id, ct);
            var loaded = new Document(json is null ? empty() : JsonSerializer.Deserialize<T>(json, DomainSerializer.Options)!);
            documents[(kind, id)] = loaded;
            return loaded;
        }

        foreach (var envelope in batch)
        {
            switch (envelope.Event)
            {
                case IPipelineEvent e:
                {
                    var document = await Get(PipelineKind, e.PipelineId.ToString(), () => PipelineState.Empty(e.PipelineId));
                    var state = ((PipelineState)document.State).Apply(e);
                    var created = state.Created!;
                    document.Update(state, new ReadDocuments.Row(PipelineKind, e.PipelineId.ToString(), created.Project.Value,
                        created.Number, null, state.Stage.ToString().ToLowerInvariant(), created.At, e.At));
                    if (e is PipelineEvents.PipelineDeleted) Hide(e.PipelineId.ToString(), true);
                    break;
                }
                case IWorkflowEvent e:
                {
                    var document = await Get(WorkflowKind, e.WorkflowId.ToString(), () => WorkflowState.Empty(e.WorkflowId));
                    var before = (WorkflowState)document.State;
                    var state = before.Apply(e is WorkflowEvents.WorkflowStarted workflowStarted ? WithoutDefinitions(workflowStarted) : e);
                    var started = state.Started!;
                    document.Update(state, new ReadDocuments.Row(WorkflowKind, e.WorkflowId.ToString(), started.Context.Project.Value,
                        started.Context.PipelineNumber, started.Context.PipelineId.ToString(), WorkflowDecider.CurrentStatus(state).ToWire(), started.At, e.At));
                    if (!before.Exists) Hide(started.Context.PipelineId.ToString(), false);
                    break;
                }
                case IJobEvent e:
                {
                    var document = await Get(JobKind, e.JobId.ToString(), () => JobState.Empty(e.JobId));
                    var before = (JobState)document.State;
                    var state = before.Apply(e);
                    var spec = state.Template!;
                    document.Update(state, new ReadDocuments.Row(JobKind, e.JobId.ToString(), spec.Project.Value,
                        spec.JobNumber, spec.WorkflowId.ToString(), state.Status.ToWire(), state.QueuedAt ?? e.At, e.At));
                    if (!before.Exists) Hide(spec.PipelineId.ToString(), false);
                    break;
                }
            }
        }

        foreach (var document in documents.Values.Where(d => d.Row is not null))
            await ReadDocuments.UpsertAsync(connection, transaction, document.Row!,
                JsonSerializer.Serialize(document.State, document.State.GetType(), DomainSerializer.Options), ct);
        foreach (var (pipelineId, deleting) in hide)
            await ReadDocuments.HidePipelineTreeAsync(connection, transaction, pipelineId, deleting, ct);
    }

    /// <summary>A document while a batch is folded into it: its state, and its row once an event changed it.</summary>
    private sealed class Document(object state)
    {
        public object State { get; private set; } = state;
        public ReadDocuments.Row? Row { get; private set; }

        public void Update(object state, ReadDocuments.Row row)
        {
            State = state;
            Row = row;
        }
    }

    /// <summary>
    /// The read document keeps the graph, not each job's definition (that is in the job's own
    /// document): a workflow document is rewritten for each of its jobs' events, and with the
    /// definitions it grows with the square of the workflow's size.
    /// </summary>
    public static WorkflowEvents.WorkflowStarted WithoutDefinitions(WorkflowEvents.WorkflowStarted started) =>
        started with { Jobs = started.Jobs.Select(j => j with { Definition = null }).ToList() };
}
