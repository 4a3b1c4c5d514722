using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using CircleActors.Actors.Audit;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projections;
using CircleActors.Actors.TestResults;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Executors.Fake;
using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Runtime;
using CircleActors.Domain.Common;
using DirectoryOrbRegistry = CircleActors.Domain.Config.DirectoryOrbRegistry;
using CircleActors.Server.Api;
using CircleActors.Server.Health;
using CircleActors.Server.Metrics;
using CircleActors.Server.Live;
using CircleActors.Server.Web;
using CircleActors.Server.Webhooks;

namespace CircleActors.Server.Hosting;

/// <summary>
/// The one composition root of a services node: data directory, journal, read store, the
/// actor system (entities, scheduler, projections and, unless told otherwise, an agent) and
/// the HTTP side.
/// </summary>
public static class ServerHost
{
    public const string ActorSystemName = SeedNodes.ActorSystemName;

    /// <summary>Where <c>circleactors orb import</c> stores orbs, under the data directory.</summary>
    public const string OrbDirectory = "orbs";

    /// <summary>The read side's projections, run by the projector singleton and watched by health and metrics.</summary>
    public static readonly IReadOnlyList<IProjection> Projections = [new DocumentProjection(), new AuditProjection(), new TestResultsProjection()];

    public static WebApplication Build(ServerOptions options, Action<string>? announce = null)
    {
        announce ??= Console.WriteLine;
        MetricsHosting.StartPrometheusAdapter();
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var journal = options.EffectiveJournal;
        var token = AdminToken.LoadOrCreate(dataDirectory);
        announce(token.Created ? $"Admin API token created in {token.Path}" : $"Admin API token in {token.Path}");
        var secrets = SecretsKey.Load(dataDirectory, options.SecretsKey);
        announce($"Secrets key: {secrets.Source}");

        JournalStorage.PrepareAsync(journal).GetAwaiter().GetResult();
        var readStore = new ReadStore(journal, dataDirectory);
        readStore.InitializeAsync().GetAwaiter().GetResult();
        var blobs = new BlobStore(Path.Combine(dataDirectory, "blobs"));
        if (blobs.ConvertLogsOfEarlierLayouts() is var convertedLogs and > 0) announce($"Converted the logs of {convertedLogs} jobs to the current layout of blobs/logs");
        var testResults = new TestResultsReadModel(readStore);
        var mirror = new RepositoryMirror(Path.Combine(dataDirectory, "repos"));
        var documents = new ReadDocuments(readStore);
        var orbs = new DirectoryOrbRegistry(Path.Combine(dataDirectory, OrbDirectory));
        var clock = SystemClock.Instance;
        var clusterPort = options.ClusterPort == 0 ? FreeTcpPort() : options.ClusterPort;
        var self = $"akka.tcp://{ActorSystemName}@{options.ClusterHost}:{clusterPort}";

        // The server reads no settings files. A content root in the working directory, watched for
        // them, had the host's file watcher scan every directory the server created beneath it
        // (a data directory there costs a few per cent of a core under load).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.WebHost.UseUrls(options.HttpUrl);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);
        if (options.Tls is { } tls)
        {
            // The slim builder leaves HTTPS out until asked; the certificate is loaded now so a bad file stops the start.
            var certificate = tls.Load();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(readStore);
        builder.Services.AddSingleton(documents);
        builder.Services.AddSingleton(new AuditLog(readStore));
        builder.Services.AddSingleton(blobs);
        builder.Services.AddSingleton(testResults);
        builder.Services.AddSingleton(mirror);
        builder.Services.AddSingleton(secrets.Box);
        builder.Services.AddSingleton<Entities>();
        builder.Services.AddSingleton<Domain.Config.IOrbRegistry>(orbs);
        builder.Services.AddOpenApi("v2", openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new() { Title = "CircleActors API", Version = "v2", Description = "CircleCI API v2 paths and shapes, served by CircleActors." };
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton<JournalAvailability>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JournalAvailability>());
        builder.Services.AddRequestTimeouts(JournalWriteGate.AddPolicy);
        builder.Services.AddComponentHealthChecks();
        builder.Services.AddSignIn(dataDirectory, token.Token);
        builder.Services.AddSignalR().AddJsonProtocol(json => json.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddSingleton<LiveViews>();
        builder.Services.AddSingleton<LiveFeed>();

        builder.Services.AddAkka(ActorSystemName, (akka, _) =>
        {
            var hocon = AkkaConfig.Compose(journal);
            if (options.ExtraHocon is { } extra) hocon = Akka.Configuration.ConfigurationFactory.ParseString(extra).WithFallback(hocon);
            if (JournalConnections.SetupFor(journal) is { } connections) akka.AddSetup(connections);
            akka.AddHocon(hocon, HoconAddMode.Prepend)
                .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
                .WithRemoting(options.ClusterHost, clusterPort)
                .WithClustering(new ClusterOptions
                {
                    Roles = options.RunAgent ? [ClusterRoles.Services, ClusterRoles.Agent] : [ClusterRoles.Services],
                    SeedNodes = options.Seeds.Count > 0 ? options.Seeds.ToArray() : [self],
                })
                .AddServices(mirror, blobs, documents, clock, orbs, secrets: secrets.Box)
                .AddTestResultsEntity(testResults, clock)
                .WithSingleton<ProjectorSingleton>("projector",
                    ProjectorActor.PropsFor(readStore, Projections),
                    new ClusterSingletonOptions { Role = ClusterRoles.Services }, createProxyToo: false)
                .WithActors((system, _, resolver) => LiveNotices.Start(system, resolver.GetService<LiveFeed>()));
            if (options.GitHub is { } github)
                akka.WithSingleton<CircleActors.Server.GitHub.CommitStatusSingleton>("github-commit-statuses",
                    CircleActors.Server.GitHub.CommitStatusNotifier.PropsFor(readStore, github),
                    new ClusterSingletonOptions { Role = ClusterRoles.Services }, createProxyToo: false);
            if (options.RunAgent)
            {
                var agent = options.Agent ?? AgentSettings.ForThisMachine();
                akka.AddAgent(agent, CreateExecutor(options.Executor, agent.Name, dataDirectory));
            }
        });

        // After the actor system, so the sampler's first look finds the scheduler registered.
        builder.Services.AddCircleMetrics(options.Metrics);

        // Binding failures (malformed JSON, a missing body) reach the handler below as exceptions.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        var app = builder.Build();
        app.UseHttpRequestCounting();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                // Malformed or oversized requests: the status Kestrel chose (400, 413) and the reason.
                context.Response.StatusCode = ex.StatusCode;
                await context.Response.WriteAsJsonAsync(new { message = BadRequestReason(ex) });
            }
            catch (System.Data.Common.DbException ex) when (!context.Response.HasStarted)
            {
                // The read store (the journal's database) is down: say so now rather than fail with 500.
                await ApiErrors.Unavailable($"the read store is unavailable: {JournalAvailability.ShortCause(ex)}").ExecuteAsync(context);
            }
        });
        app.UseEncodedSlugs();
        // Routing must come after the rewrite; without this call the host would route first.
        app.UseRouting();
        app.UseRequestTimeouts();
        app.UseAuthentication();
        app.UseAuthorization();
        // Public, as CircleCI's is: it describes the API, it holds no data.
        app.MapOpenApi("/api/{documentName}/openapi.json");
        app.MapHub<EventsHub>(EventsHub.Path);
        app.MapPages();
        var api = app.MapGroup("/api/v2");
        api.AddEndpointFilter(new ApiAuthentication(token.Token)).AddEndpointFilter<JournalWriteGate>().WithRequestTimeout(JournalWriteGate.TimeoutPolicy);
        api.MapUser();
        api.MapProjects();
        api.MapTests();
        api.MapProjectEnvironmentVariables();
        api.MapProjectCheckoutCredentials();
        api.MapPipelines();
        api.MapArtifacts();
        api.MapAdmin();
        api.MapOps();
        api.MapBuildDeletion();
        api.MapJobLogs();
        api.MapInsights();
        // An unknown API path answers as CircleCI does, with a message, rather than an empty 404.
        api.MapFallback(() => ApiErrors.NotFound("Not found."));
        app.MapGitHubWebhooks();
        app.MapHealthEndpoints();
        app.MapCircleMetrics();
        app.Lifetime.ApplicationStarted.Register(() =>
            announce($"CircleActors listening on {string.Join(", ", app.Urls)}; cluster address {self}; data in {dataDirectory}"));
        return app;
    }

    private static string BadRequestReason(BadHttpRequestException ex) => ex.StatusCode == StatusCodes.Status413PayloadTooLarge
        ? "the request body is too large"
        : ex.InnerException is System.Text.Json.JsonException json ? $"the body is not valid JSON: {json.Message}" : ex.Message;

    public static IExecutor CreateExecutor(ExecutorKind kind, string agentName, string dataDirectory) => kind switch
    {
        ExecutorKind.Fake => new FakeExecutor(new FakeExecutorOptions(TimeScale: 0)),
        _ => new ExecutorRouter(
            new DockerExecutor(new DockerExecutorOptions(agentName)),
            new MachineExecutor(new MachineExecutorOptions(agentName, Path.Combine(dataDirectory, "workspaces"),
                HiddenDirectories: [Path.GetFullPath(dataDirectory)]))),
    };

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
