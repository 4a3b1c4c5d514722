using Akka.Actor;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Projections;

namespace CircleActors.Server.Live;

/// <summary>
/// Hands the local event stream's notifications (a projected batch committed, a step's output
/// written) to the <see cref="LiveFeed"/>. Both come from this node: the projector singleton
/// and the job-log region run on the services node that also serves the hub.
/// </summary>
public sealed class LiveFeedBridge : ReceiveActor
{
    public LiveFeedBridge(LiveFeed feed)
    {
        Receive<ProjectionBatchCommitted>(batch => feed.OnProjected(batch.Events));
        Receive<LogProtocol.StepOutputWritten>(feed.OnOutput);
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ProjectionBatchCommitted));
        Context.System.EventStream.Subscribe(Self, typeof(LogProtocol.StepOutputWritten));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
