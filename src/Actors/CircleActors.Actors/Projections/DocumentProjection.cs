using System.Collections.Concurrent;
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
    /// The states of running workflows as last written, with the journal offset each reflects. A
    /// workflow's document is large (62 KB of JSON for 400 jobs) and changes in every batch while
    /// its jobs run: deserializing it again each time was most of the projection's CPU. A state is
    /// used only while its row still carries the same offset, so a rolled-back batch, another
    /// node's projector or a restore never leaves a stale state in use. Job documents are small
    /// and many: keeping them cost more in garbage collection than reading them back saved.
    /// Pipelines change a few times each, so theirs are read back too.
    /// </summary>
    private readonly ConcurrentDictionary<string, (WorkflowState State, long Offset)> _runningWorkflows = new();
    private const int RunningWorkflowsKept = 256;

    /// <summary>
    /// Folds the batch into its documents and writes each changed document once, at the end: a
    /// workflow's document holds every job's status, and writing it for each of its jobs' events
    /// rewrote a 400-job document 800 times per run. The batch's documents are read with one
    /// query per kind and written with one prepared statement, not two statements each.
    /// </summary>
    public async Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        var (kept, stored) = await LoadAsync(connection, transaction, batch, ct);
        var documents = new Dictionary<(string Kind, string Id), Document>();
        // Pipelines whose trees are hidden again once the batch's documents are stored (the
        // documents must exist for the hiding to reach them).
        var hide = new List<(string PipelineId, bool Deleting)>();
        void Hide(string pipelineId, bool deleting)
        {
            if (!hide.Contains((pipelineId, deleting))) hide.Add((pipelineId, deleting));
        }

        Document Get<T>(string kind, string id, Func<T> empty) where T : class
        {
            if (documents.TryGetValue((kind, id), out var folding)) return folding;
            object state = kind == WorkflowKind && kept.TryGetValue(id, out var workflow) ? workflow
                : stored.TryGetValue((kind, id), out var json) ? JsonSerializer.Deserialize<T>(json, DomainSerializer.Options)!
                : empty();
            return documents[(kind, id)] = new Document(state);
        }

        foreach (var envelope in batch)
        {
            var offset = ((Sequence)envelope.Offset).Value;
            switch (envelope.Event)
            {
                case IPipelineEvent e:
                {
                    var document = Get(PipelineKind, e.PipelineId.ToString(), () => PipelineState.Empty(e.PipelineId));
                    document.Update(((PipelineState)document.State).Apply(e), e.At, offset);
                    if (e is PipelineEvents.PipelineDeleted) Hide(e.PipelineId.ToString(), true);
                    break;
                }
                case IWorkflowEvent e:
                {
                    var document = Get(WorkflowKind, e.WorkflowId.ToString(), () => WorkflowState.Empty(e.WorkflowId));
                    var before = (WorkflowState)document.State;
                    var state = before.Apply(e is WorkflowEvents.WorkflowStarted workflowStarted ? WithoutDefinitions(workflowStarted) : e);
                    document.Update(state, e.At, offset);
                    if (!before.Exists) Hide(state.Started!.Context.PipelineId.ToString(), false);
                    break;
                }
                case IJobEvent e:
                {
                    var document = Get(JobKind, e.JobId.ToString(), () => JobState.Empty(e.JobId));
                    var before = (JobState)document.State;
                    var state = before.Apply(e);
                    document.Update(state, e.At, offset);
                    if (!before.Exists) Hide(state.Template!.PipelineId.ToString(), false);
                    break;
                }
            }
        }

        var changed = documents.Where(d => d.Value.Offset is not null).ToList();
        await ReadDocuments.UpsertAsync(connection, transaction, changed.Select(d => (
            RowOf(d.Key.Kind, d.Key.Id, d.Value.State, d.Value.UpdatedAt, d.Value.Offset!.Value),
            JsonSerializer.SerializeToUtf8Bytes(d.Value.State, d.Value.State.GetType(), DomainSerializer.Options))), ct);
        foreach (var (pipelineId, deleting) in hide)
            await ReadDocuments.HidePipelineTreeAsync(connection, transaction, pipelineId, deleting, ct);

        // Kept only now that every statement of the batch went through; the commit may still
        // fail, and then the rows keep their older offsets and these states are not used.
        // A bound, not an eviction order: past it every state is dropped and read back once,
        // which costs one deserialization per running workflow and keeps memory flat.
        if (_runningWorkflows.Count > RunningWorkflowsKept) _runningWorkflows.Clear();
        foreach (var ((kind, id), document) in changed)
        {
            if (document.State is not WorkflowState workflow) continue;
            if (workflow.IsFinished) _runningWorkflows.TryRemove(id, out _);
            else _runningWorkflows[id] = (workflow, document.Offset!.Value);
        }
    }

    /// <summary>
    /// The documents the batch's events belong to, with one query per kind: running workflows'
    /// states kept from the last batch where their rows still carry the offset they were kept at,
    /// and the stored JSON of the others that exist.
    /// </summary>
    private async Task<(Dictionary<string, WorkflowState> Workflows, Dictionary<(string Kind, string Id), byte[]> Stored)> LoadAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        var workflows = new Dictionary<string, WorkflowState>();
        var stored = new Dictionary<(string Kind, string Id), byte[]>();
        foreach (var byKind in batch.Select(e => KeyOf(e.Event)).OfType<(string Kind, string Id)>().Distinct().GroupBy(k => k.Kind))
        {
            var ids = byKind.Select(k => k.Id).ToList();
            if (byKind.Key == WorkflowKind)
            {
                var offsets = await ReadDocuments.LoadOffsetsAsync(connection, transaction, WorkflowKind, ids, ct);
                foreach (var (id, offset) in offsets)
                    if (_runningWorkflows.TryGetValue(id, out var running) && running.Offset == offset) workflows[id] = running.State;
                ids = ids.Where(id => offsets.ContainsKey(id) && !workflows.ContainsKey(id)).ToList();
            }
            if (ids.Count == 0) continue;
            foreach (var (id, json) in await ReadDocuments.LoadUtf8JsonAsync(connection, transaction, byKind.Key, ids, ct))
                stored[(byKind.Key, id)] = json;
        }
        return (workflows, stored);
    }

    /// <summary>The document an event belongs to; null for an event of no document.</summary>
    private static (string Kind, string Id)? KeyOf(object @event) => @event switch
    {
        IPipelineEvent e => (PipelineKind, e.PipelineId.ToString()),
        IWorkflowEvent e => (WorkflowKind, e.WorkflowId.ToString()),
        IJobEvent e => (JobKind, e.JobId.ToString()),
        _ => null,
    };

    /// <summary>
    /// A document's lookup columns, taken from its state once per batch: a workflow's status
    /// looks at every job's, and taking it after each of a 400-job workflow's events made the
    /// batch quadratic.
    /// </summary>
    private static ReadDocuments.Row RowOf(string kind, string id, object state, DateTimeOffset updatedAt, long offset) => state switch
    {
        PipelineState pipeline => new ReadDocuments.Row(kind, id, pipeline.Created!.Project.Value, pipeline.Created.Number, null,
            pipeline.Stage.ToString().ToLowerInvariant(), pipeline.Created.At, updatedAt, offset),
        WorkflowState workflow => new ReadDocuments.Row(kind, id, workflow.Started!.Context.Project.Value, workflow.Started.Context.PipelineNumber,
            workflow.Started.Context.PipelineId.ToString(), WorkflowDecider.CurrentStatus(workflow).ToWire(), workflow.Started.At, updatedAt, offset),
        JobState job => new ReadDocuments.Row(kind, id, job.Template!.Project.Value, job.Template.JobNumber, job.Template.WorkflowId.ToString(),
            job.Status.ToWire(), job.QueuedAt ?? updatedAt, updatedAt, offset),
        _ => throw new ArgumentException($"no read document for {state.GetType().Name}", nameof(state)),
    };

    /// <summary>
    /// A document while a batch is folded into it: its state and, once an event of the batch
    /// changed it, that event's time and journal offset.
    /// </summary>
    private sealed class Document(object state)
    {
        public object State { get; private set; } = state;
        public DateTimeOffset UpdatedAt { get; private set; }
        public long? Offset { get; private set; }

        public void Update(object state, DateTimeOffset at, long offset)
        {
            State = state;
            UpdatedAt = at;
            Offset = offset;
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
