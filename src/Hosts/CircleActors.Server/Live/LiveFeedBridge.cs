using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Projections;

namespace CircleActors.Server.Live;

/// <summary>How a services node joins the live notices of the others.</summary>
public static class LiveNotices
{
    /// <summary>The mediator's name; every services node runs one at this same path, which is how they find each other.</summary>
    public const string MediatorName = "live-pubsub";

    /// <summary>
    /// Starts this node's mediator, forwarder and bridge. The mediator is this feature's own,
    /// limited to services nodes: agents run no hub and keep no registry of its topics.
    /// </summary>
    public static void Start(ActorSystem system, LiveFeed feed)
    {
        var settings = DistributedPubSubSettings.Create(DistributedPubSub.DefaultConfig().GetConfig("akka.cluster.pub-sub"))
            .WithRole(ClusterRoles.Services);
        var mediator = system.ActorOf(DistributedPubSubMediator.Props(settings), MediatorName);
        system.ActorOf(Props.Create(() => new LiveNoticeForwarder(mediator)), "live-forwarder");
        system.ActorOf(Props.Create(() => new LiveFeedBridge(feed, mediator)), "live-feed");
    }
}

/// <summary>
/// Brings live notices from every services node to this node's <see cref="LiveFeed"/>. The
/// projector singleton and each job's log entity run on whichever services node the cluster put
/// them on, and a client may be connected to the hub of any node. So each node's
/// <see cref="LiveNoticeForwarder"/> publishes what happened on that node to a distributed pub-sub
/// topic, and every node's bridge, this one included, subscribes to the topics: a notice is
/// published once, on the node where it happened, and so reaches each node's hub once.
/// </summary>
public sealed class LiveFeedBridge : ReceiveActor
{
    public const string ViewsTopic = "live-views";
    public const string OutputTopic = "live-output";

    private readonly IActorRef _mediator;

    public LiveFeedBridge(LiveFeed feed, IActorRef mediator)
    {
        _mediator = mediator;
        Receive<ReadDocumentsChanged>(changed => feed.OnDocumentsChanged(changed.Documents.Select(d => new Topic(d.Kind, d.Id))));
        Receive<LogProtocol.StepOutputWritten>(feed.OnOutput);
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(ViewsTopic, Self));
        _mediator.Tell(new Subscribe(OutputTopic, Self));
    }
}

/// <summary>
/// Publishes this node's local notices (a projected batch committed, a step's output written)
/// to every services node's <see cref="LiveFeedBridge"/>. A batch goes as the documents it
/// changed, not its events: that is all a hub needs to re-read its views.
/// </summary>
public sealed class LiveNoticeForwarder : ReceiveActor
{
    public LiveNoticeForwarder(IActorRef mediator)
    {
        Receive<ProjectionBatchCommitted>(batch =>
        {
            var documents = batch.Events.Select(LiveViews.DocumentOf).OfType<Topic>().Distinct()
                .Select(topic => new ReadDocumentsChanged.Document(topic.Kind, topic.Id)).ToList();
            if (documents.Count > 0) mediator.Tell(new Publish(LiveFeedBridge.ViewsTopic, new ReadDocumentsChanged(documents)));
        });
        Receive<LogProtocol.StepOutputWritten>(chunk => mediator.Tell(new Publish(LiveFeedBridge.OutputTopic, chunk)));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ProjectionBatchCommitted));
        Context.System.EventStream.Subscribe(Self, typeof(LogProtocol.StepOutputWritten));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
