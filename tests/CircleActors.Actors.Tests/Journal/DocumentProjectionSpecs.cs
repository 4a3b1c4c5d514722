using Akka.Persistence.Query;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>
/// The document projection keeps large documents' states in memory between batches; these
/// specs hold it to what is in the read store whenever the two could differ.
/// </summary>
public sealed class DocumentProjectionSpecs
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly WorkflowId Workflow = new WorkflowId(Guid.NewGuid());

    /// <summary>A two-job workflow's events, each with the journal offset it is read at.</summary>
    private static readonly EventEnvelope[] Events =
    [
        Envelope(1, new WorkflowEvents.WorkflowStarted(Workflow, "main",
            new WorkflowContext(PipelineId.New(), 1, Ci.Project, "/repo", "abc", "main", null),
            [new PlannedJob("a", new JobId(Guid.NewGuid()), 1, null, [], false), new PlannedJob("b", new JobId(Guid.NewGuid()), 2, null, ["a"], false)], Actor.System, At)),
        Envelope(2, new WorkflowEvents.WorkflowJobScheduled(Workflow, Ci.Project, "a", new JobId(Guid.NewGuid()), 1, At)),
        Envelope(3, new WorkflowEvents.WorkflowJobFinished(Workflow, "a", JobStatus.Success, At.AddSeconds(1))),
        Envelope(4, new WorkflowEvents.WorkflowJobScheduled(Workflow, Ci.Project, "b", new JobId(Guid.NewGuid()), 2, At.AddSeconds(1))),
        Envelope(5, new WorkflowEvents.WorkflowJobFinished(Workflow, "b", JobStatus.Failed, At.AddSeconds(2))),
    ];

    private static EventEnvelope Envelope(long offset, IWorkflowEvent e) =>
        new(Offset.Sequence(offset), $"workflow-{Workflow}", offset, e, e.At.ToUnixTimeMilliseconds(), ["workflow"]);

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_batch_rolled_back_after_it_was_folded_is_folded_again_from_the_stored_document(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        var store = await StoreAsync(journal);
        var projection = new DocumentProjection();
        await ApplyAsync(store, projection, Events[..2]);

        // The batch is folded and written, then its transaction fails: the read store keeps the
        // document as the first batch left it, and the projector sends the batch again.
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.InTransactionAsync("documents:workflow", 3, async (connection, transaction) =>
        {
            await projection.ApplyAsync(connection, transaction, Events[2..3], CancellationToken.None);
            throw new InvalidOperationException("the commit failed");
        }));
        Assert.Equal(JobStatus.NotRunning, (await DocumentAsync(store)).JobStatuses["a"]);

        // Folding it into the state kept from the failed attempt would find job a already
        // finished and refuse the event; folded into the stored document it applies once.
        await ApplyAsync(store, projection, Events[2..]);
        var document = await DocumentAsync(store);
        Assert.Equal(JobStatus.Success, document.JobStatuses["a"]);
        Assert.Equal(JobStatus.Failed, document.JobStatuses["b"]);
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_document_another_projector_wrote_since_is_read_again(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        var store = await StoreAsync(journal);
        // Two projectors in turn, as when the projector singleton moves between nodes and back.
        var first = new DocumentProjection();
        var second = new DocumentProjection();

        await ApplyAsync(store, first, Events[..2]);
        await ApplyAsync(store, second, Events[2..4]);
        await ApplyAsync(store, first, Events[4..]);

        var document = await DocumentAsync(store);
        Assert.Equal(JobStatus.Success, document.JobStatuses["a"]);
        Assert.Equal(JobStatus.Failed, document.JobStatuses["b"]);
        Assert.Equal(["a", "b"], document.Scheduled.Order());
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_read_store_made_before_documents_kept_their_offsets_gains_the_column_and_goes_on(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        var store = new ReadStore(journal.Settings, journal.DataDirectory);
        await ExecuteAsync(store, """
            CREATE TABLE read_documents (
              kind TEXT NOT NULL, id TEXT NOT NULL, project TEXT, number BIGINT, parent_id TEXT,
              status TEXT, document TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
              PRIMARY KEY (kind, id))
            """);
        await store.InitializeAsync();
        await store.InitializeAsync();
        var projection = new DocumentProjection();
        await ApplyAsync(store, projection, Events[..2]);
        // As an earlier version left it: no offset.
        await ExecuteAsync(store, "UPDATE read_documents SET last_offset = NULL");

        await ApplyAsync(store, projection, Events[2..]);

        var document = await DocumentAsync(store);
        Assert.Equal(JobStatus.Success, document.JobStatuses["a"]);
        Assert.Equal(JobStatus.Failed, document.JobStatuses["b"]);
    }

    private static async Task ExecuteAsync(ReadStore store, string sql)
    {
        await using var connection = await store.OpenAsync();
        await using var command = ReadStore.Command(connection, null, sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<ReadStore> StoreAsync(TestJournal journal)
    {
        var store = new ReadStore(journal.Settings, journal.DataDirectory);
        await store.InitializeAsync();
        return store;
    }

    private static Task ApplyAsync(ReadStore store, DocumentProjection projection, EventEnvelope[] batch) =>
        store.InTransactionAsync("documents:workflow", ((Sequence)batch[^1].Offset).Value,
            (connection, transaction) => projection.ApplyAsync(connection, transaction, batch, CancellationToken.None));

    private static async Task<WorkflowState> DocumentAsync(ReadStore store) =>
        (await new ReadDocuments(store).GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, Workflow.ToString()))!;
}
