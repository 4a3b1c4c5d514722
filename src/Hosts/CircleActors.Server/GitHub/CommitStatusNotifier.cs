using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using CircleActors.Actors.Common;
using CircleActors.Actors.Metrics;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using Octokit;
using WorkflowState = CircleActors.Domain.Workflows.WorkflowState;

namespace CircleActors.Server.GitHub;

/// <summary>
/// Sets a commit status per workflow on GitHub from the journal's workflow events, behind the
/// build: a stream from its stored offset that posts each status, then stores the offset. When
/// GitHub fails the stream restarts from the stored offset with backoff (1 s up to a minute),
/// so statuses arrive late but in order and none is lost; posting one twice is harmless. Hosted
/// as a cluster singleton so one node posts.
/// </summary>
public sealed class CommitStatusNotifier : ReceiveActor
{
    public const string OffsetName = "github-commit-statuses";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>What a status needs of a workflow that has not finished: its name and revision.</summary>
    private readonly Dictionary<WorkflowId, (string Name, WorkflowContext Context)> _open = new();
    private UniqueKillSwitch? _stream;

    public CommitStatusNotifier(ReadStore store, GitHubSettings settings)
    {
        var client = new GitHubClient(new ProductHeaderValue("circleactors"), settings.ApiUrl) { Credentials = new Credentials(settings.Token) };
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>("akka.persistence.query.journal.sql");
        var workflows = ActorRegistry.For(Context.System).Get<WorkflowRegion>();
        var log = _log;
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(store.GetOffsetAsync(OffsetName))
                    .ConcatMany(offset => journal.EventsByTag(DomainEventTagger.WorkflowTag, Offset.Sequence(offset)))
                    .GroupedWithin(100, TimeSpan.FromMilliseconds(50))
                    .SelectAsync(1, async batch =>
                    {
                        foreach (var envelope in batch) await PostAsync(client, settings, workflows, envelope.Event);
                        await store.InTransactionAsync(OffsetName, ((Sequence)batch.Last().Offset).Value, (_, _) => Task.CompletedTask);
                        return NotUsed.Instance;
                    })
                    .SelectError(ex =>
                    {
                        log.Warning("setting a commit status on GitHub failed ({0}); retrying from the last status set", ex.GetBaseException().Message);
                        return ex;
                    }),
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.2));
        _stream = source.ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right).To(Sink.Ignore<NotUsed>()).Run(Context.Materializer());
    }

    public static Props PropsFor(ReadStore store, GitHubSettings settings) => Props.Create(() => new CommitStatusNotifier(store, settings));

    protected override void PostStop() => _stream?.Shutdown();

    private async Task PostAsync(GitHubClient client, GitHubSettings settings, IActorRef workflows, object @event)
    {
        if (@event is WorkflowEvents.WorkflowStarted started) _open[started.WorkflowId] = (started.Name, started.Context);
        if (@event is not IWorkflowEvent { WorkflowId: var id } || CommitStatuses.For(@event, "") is null) return;
        if (!_open.TryGetValue(id, out var workflow))
        {
            // Resumed past the workflow's start: the entity knows its name and revision.
            var state = await Reliably.AskForAsync<WorkflowState>(workflows, new WorkflowQueries.GetWorkflow(id));
            workflow = _open[id] = (state.Started!.Name, state.Started.Context);
        }
        var (name, context) = workflow;
        if (@event is WorkflowEvents.WorkflowFinished) _open.Remove(id);
        if (context.Project.Vcs != "gh") return;
        var status = CommitStatuses.For(@event, name)!;
        await CountedAsync(() => client.Repository.Status.Create(context.Project.Organization, context.Project.Repository, context.Revision, new NewCommitStatus
        {
            State = status.State switch
            {
                "pending" => CommitState.Pending,
                "success" => CommitState.Success,
                "failure" => CommitState.Failure,
                _ => CommitState.Error,
            },
            Description = status.Description,
            Context = status.Context,
            TargetUrl = settings.PipelinePage(context.PipelineId.Value),
        }));
    }

    /// <summary>Counts every call to GitHub's API in <c>circle.github.api_call</c>, tagged by whether it succeeded.</summary>
    public static async Task<T> CountedAsync<T>(Func<Task<T>> call)
    {
        try
        {
            var result = await call();
            CircleMeter.GitHubApiCalls.Add(1, new KeyValuePair<string, object?>("outcome", "success"));
            return result;
        }
        catch
        {
            CircleMeter.GitHubApiCalls.Add(1, new KeyValuePair<string, object?>("outcome", "failure"));
            throw;
        }
    }
}

/// <summary>Registry key of the commit status singleton.</summary>
public sealed class CommitStatusSingleton;
