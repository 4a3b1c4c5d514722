using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using CircleActors.Actors.Audit;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Support;

/// <summary>
/// A one-node cluster (roles services and agent) on a free port of 127.0.0.1, wired as the server
/// wires it, on a plain generic host: the shard regions, the scheduler and the projector over the
/// given journal. Stopping it runs coordinated shutdown; a new node on the same journal recovers.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    /// <summary>Short timings so a lapsed lease or a reminder shows within a spec's patience.</summary>
    public const string FastTimings = """
        circleactors.jobs.lease = 3s
        circleactors.jobs.enqueue-reminder = 1s
        circleactors.agent.heartbeat-interval = 500ms
        """;

    private readonly IHost _host;
    private bool _stopped;

    private TestNode(IHost host, TestJournal journal, ReadStore readStore)
    {
        _host = host;
        Journal = journal;
        ReadStore = readStore;
        Documents = new ReadDocuments(readStore);
    }

    public TestJournal Journal { get; }

    public ReadStore ReadStore { get; }

    public ReadDocuments Documents { get; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public IActorRegistry Registry => _host.Services.GetRequiredService<IActorRegistry>();

    public IActorRef Get<TKey>() => Registry.Get<TKey>();

    /// <summary>Starts a <see cref="FakeAgent"/> here; every task it is sent is added to <paramref name="received"/>.</summary>
    public IActorRef StartAgent(string name, ConcurrentQueue<JobTaskSpec> received, Func<JobTaskSpec, bool>? hold = null) =>
        System.ActorOf(FakeAgent.PropsFor(Get<SchedulerSingleton>(), Get<JobRegion>(), new NodeId(name), hold ?? (_ => false), received), name);

    /// <param name="scheduleClock">The clock schedules read, so a spec can move scheduled time by hand.</param>
    public static async Task<TestNode> StartAsync(
        TestJournal journal, ITestOutputHelper? output = null, string extraHocon = FastTimings, IClock? scheduleClock = null)
    {
        var port = FreePort();
        // As the server does before its actor system starts.
        await JournalStorage.PrepareAsync(journal.Settings);
        var readStore = new ReadStore(journal.Settings, journal.DataDirectory);
        await readStore.InitializeAsync();
        var mirror = new RepositoryMirror(Path.Combine(journal.DataDirectory, "mirrors"));
        var blobs = new BlobStore(Path.Combine(journal.DataDirectory, "blobs"));

        var host = new HostBuilder()
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.SetMinimumLevel(LogLevel.Information);
                if (output is not null) logging.AddProvider(new TestOutputLoggerProvider(output));
            })
            .ConfigureServices(services => services.AddAkka("circleactors", (builder, _) =>
            {
                // As the server does: the SQLite journals' plugins open their connections through these options.
                if (JournalConnections.SetupFor(journal.Settings) is { } connections) builder.AddSetup(connections);
                builder
                    .AddHocon(AkkaConfig.Compose(journal.Settings), HoconAddMode.Prepend)
                    .AddHocon(extraHocon, HoconAddMode.Prepend)
                    .ConfigureLoggers(loggers =>
                    {
                        loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                        loggers.ClearLoggers();
                        loggers.AddLoggerFactory();
                    })
                    .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = port })
                    .WithClustering(new ClusterOptions
                    {
                        Roles = [ClusterRoles.Services, ClusterRoles.Agent],
                        SeedNodes = [$"akka.tcp://circleactors@127.0.0.1:{port}"],
                    })
                    .AddServices(mirror, blobs, new ReadDocuments(readStore), SystemClock.Instance, scheduleClock: scheduleClock)
                    .WithSingleton<ProjectorSingleton>("projector",
                        ProjectorActor.PropsFor(readStore, [new DocumentProjection(), new AuditProjection()]),
                        new ClusterSingletonOptions { Role = ClusterRoles.Services }, createProxyToo: false);
            }))
            .Build();
        await host.StartAsync();
        return new TestNode(host, journal, readStore);
    }

    /// <summary>Stops the node as a server shutdown would (coordinated shutdown); the journal stays.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
