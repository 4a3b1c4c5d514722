using CircleActors.Server.GitHub;
using System.CommandLine;
using System.Runtime.InteropServices;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Persistence;
using CircleActors.Agent.Runtime;
using CircleActors.Server.Hosting;
using CircleActors.Server.Metrics;

namespace CircleActors.Cli.Commands;

/// <summary><c>circleactors server</c> and <c>circleactors agent</c>: the two kinds of node.</summary>
public static class ServerCommands
{
    public static string DefaultDataDirectory =>
        Environment.GetEnvironmentVariable("CIRCLEACTORS_DATA_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".circleactors");

    public static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = "Where the journal, blob store and admin token live",
        DefaultValueFactory = _ => DefaultDataDirectory,
    };

    private static Option<ExecutorKind> ExecutorOption() => new("--executor")
    {
        Description = "real (docker and machine) or fake (no processes; benchmarks)",
        DefaultValueFactory = _ => ExecutorKind.Real,
    };

    /// <summary>
    /// HOCON from <c>CIRCLEACTORS_EXTRA_HOCON</c>, applied over the built-in tuning (hocon/*.conf):
    /// how an operator changes a lease or a timeout without a rebuild.
    /// </summary>
    public static string? ExtraHocon => Environment.GetEnvironmentVariable("CIRCLEACTORS_EXTRA_HOCON") is { Length: > 0 } hocon ? hocon : null;

    public static Command Server()
    {
        var dataDir = DataDirOption();
        var http = new Option<string>("--http") { Description = "The API's address: http://host:port, or https://host:port with --tls-cert and --tls-key", DefaultValueFactory = _ => "http://127.0.0.1:7000" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "The server's certificate (PEM, with its chain) for HTTPS on --http" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The certificate's private key (PEM, unencrypted)" };
        var noAgent = new Option<bool>("--no-agent") { Description = "Run no agent in this process (the same as --role services)" };
        var roles = new Option<string[]>("--role")
        {
            Description = "The cluster roles of this node: services, agent, or both (services,agent: the default)",
            AllowMultipleArgumentsPerToken = true,
        };
        var journal = new Option<string>("--journal") { Description = "sqlite or postgresql", DefaultValueFactory = _ => "sqlite" };
        var connection = new Option<string?>("--connection-string") { Description = "Required with --journal postgresql" };
        var clusterPort = new Option<int>("--cluster-port") { Description = "The port agents join", DefaultValueFactory = _ => 7100 };
        var clusterHost = new Option<string>("--cluster-host") { Description = "The address agents reach this node at", DefaultValueFactory = _ => "127.0.0.1" };
        var join = new Option<string[]>("--join")
        {
            Description = "Seed services nodes of an existing cluster, host:port or akka.tcp://circleactors@host:port, comma-separated; needs --journal postgresql",
            AllowMultipleArgumentsPerToken = true,
        };
        var executor = ExecutorOption();
        var agentName = new Option<string?>("--agent-name");
        var githubUrl = new Option<string?>("--github-url")
        {
            Description = "Set commit statuses on this GitHub API (https://api.github.com/ or a GitHub Enterprise base URL); the token is read from CIRCLEACTORS_GITHUB_TOKEN",
        };
        var publicUrl = new Option<string?>("--public-url") { Description = "This server's address as users reach it, for links in commit statuses (default: --http)" };
        var serveUnsafe = new Option<bool>("--serve-unsafe-artifacts")
        {
            Description = "Serve artifacts with unsafe content types (HTML, scripts) as themselves; also CIRCLEACTORS_SERVE_UNSAFE_ARTIFACTS=true",
        };
        var statsd = new Option<string?>("--statsd") { Description = "Send metrics to a statsd/DogStatsD agent at host:port over UDP" };
        var statsdPrefix = new Option<string>("--statsd-prefix") { Description = "Put before every statsd metric name", DefaultValueFactory = _ => "" };
        var statsdTags = new Option<string[]>("--statsd-tag") { Description = "A tag on every statsd metric, key=value (e.g. Env=production); repeatable" };
        var metricsInterval = new Option<double>("--metrics-interval")
        {
            Description = "Seconds between gauge samples and statsd flushes",
            DefaultValueFactory = _ => 10,
        };
        var loginBanner = new Option<string?>("--login-banner")
        {
            Description = "A message shown on the sign-in page (default: CIRCLEACTORS_LOGIN_BANNER)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CIRCLEACTORS_LOGIN_BANNER"),
        };
        var command = new Command("server", "Run a services node (with an in-process agent unless --no-agent)")
        {
            dataDir, http, tlsCert, tlsKey, noAgent, roles, journal, connection, clusterHost, clusterPort, join, executor, agentName, githubUrl, publicUrl, serveUnsafe,
            statsd, statsdPrefix, statsdTags, metricsInterval, loginBanner,
        };
        command.SetAction(async (parse, ct) =>
        {
            var provider = JournalSettings.ParseProvider(parse.GetValue(journal)!);
            var dataDirectory = parse.GetValue(dataDir)!;
            JournalSettings? settings = provider switch
            {
                JournalProvider.PostgreSql => new JournalSettings(provider, parse.GetValue(connection)
                    ?? throw new ArgumentException("--journal postgresql needs --connection-string")),
                _ => null,
            };
            var seeds = SeedNodes.Parse(parse.GetValue(join) ?? []);
            // Services nodes share the journal; SQLite is a file that only one process may write.
            if (seeds.Count > 0 && provider != JournalProvider.PostgreSql)
                throw new ArgumentException("--join: the services nodes of a cluster share one journal; give --journal postgresql --connection-string ...");
            var runAgent = RunsAgent(parse.GetValue(roles) ?? [], parse.GetValue(noAgent));
            var app = ServerHost.Build(new ServerOptions
            {
                DataDirectory = dataDirectory,
                HttpUrl = parse.GetValue(http)!,
                Tls = TlsCertificate.For(parse.GetValue(http)!, parse.GetValue(tlsCert), parse.GetValue(tlsKey)),
                Journal = settings,
                ClusterHost = parse.GetValue(clusterHost)!,
                ClusterPort = parse.GetValue(clusterPort),
                Seeds = seeds,
                RunAgent = runAgent,
                Agent = AgentSettings.ForThisMachine(parse.GetValue(agentName) ?? "local-agent"),
                Executor = parse.GetValue(executor),
                GitHub = GitHubSettingsFrom(parse.GetValue(githubUrl), parse.GetValue(publicUrl) ?? parse.GetValue(http)!),
                ExtraHocon = ExtraHocon,
                ServeUnsafeArtifacts = parse.GetValue(serveUnsafe)
                    || string.Equals(Environment.GetEnvironmentVariable("CIRCLEACTORS_SERVE_UNSAFE_ARTIFACTS"), "true", StringComparison.OrdinalIgnoreCase),
                Metrics = new MetricsOptions
                {
                    Interval = parse.GetValue(metricsInterval) is > 0 and var seconds
                        ? TimeSpan.FromSeconds(seconds)
                        : throw new ArgumentException("--metrics-interval must be a positive number of seconds"),
                    Statsd = parse.GetValue(statsd) is { } address
                        ? StatsdOptions.Parse(address, parse.GetValue(statsdPrefix)!, parse.GetValue(statsdTags) ?? [])
                        : null,
                },
                LoginBanner = parse.GetValue(loginBanner),
                // From the environment only: a key on the command line would show in the process list.
                SecretsKey = Environment.GetEnvironmentVariable(SecretsKey.EnvironmentVariable),
            });
            await app.RunAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>A server always has the services role; it also runs an agent unless told it has the services role only.</summary>
    private static bool RunsAgent(IReadOnlyList<string> roleValues, bool noAgent)
    {
        var roles = roleValues.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (roles.FirstOrDefault(r => r is not (ClusterRoles.Services or ClusterRoles.Agent)) is { } unknown)
            throw new ArgumentException($"--role {unknown}: the roles are {ClusterRoles.Services} and {ClusterRoles.Agent}");
        if (roles.Count > 0 && !roles.Contains(ClusterRoles.Services))
            throw new ArgumentException("--role: a server always has the services role; run `circleactors agent` for an agent-only node");
        return !noAgent && (roles.Count == 0 || roles.Contains(ClusterRoles.Agent));
    }

    /// <summary>The token comes from the environment, never the command line, where any user could read it in the process list.</summary>
    private static GitHubSettings? GitHubSettingsFrom(string? apiUrl, string publicUrl)
    {
        if (string.IsNullOrWhiteSpace(apiUrl)) return null;
        var token = Environment.GetEnvironmentVariable("CIRCLEACTORS_GITHUB_TOKEN");
        if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("--github-url needs a token in CIRCLEACTORS_GITHUB_TOKEN");
        return new GitHubSettings(new Uri(apiUrl), token, new Uri(publicUrl.TrimEnd('/') + "/"));
    }

    public static Command Agent()
    {
        var join = new Option<string[]>("--join")
        {
            Description = "Services nodes, host:port or akka.tcp://circleactors@host:port, comma-separated: the agent (re)joins through any that is up",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var name = new Option<string?>("--name");
        var cpus = new Option<double?>("--capacity-cpus");
        var memory = new Option<int?>("--capacity-mem-mb");
        var port = new Option<int>("--port") { Description = "This agent's cluster port (0: any free port)", DefaultValueFactory = _ => 0 };
        var host = new Option<string>("--host") { Description = "The address services nodes reach this agent at", DefaultValueFactory = _ => "127.0.0.1" };
        var executor = ExecutorOption();
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Where the agent makes throwaway workspaces for machine jobs",
            DefaultValueFactory = _ => Path.Combine(DefaultDataDirectory, "agent"),
        };
        var datacenter = new Option<string>("--datacenter") { Description = "Where this node is, as `ops node status` shows it", DefaultValueFactory = _ => "dc1" };
        var nodeClass = new Option<string>("--node-class") { Description = "A class to group nodes by, as `ops node status` shows it", DefaultValueFactory = _ => "" };
        var command = new Command("agent", "Run an agent that joins a cluster and runs tasks (SIGTERM drains it and exits when idle; a second SIGTERM exits at once)")
        {
            join, name, cpus, memory, host, port, executor, dataDir, datacenter, nodeClass,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = AgentSettings.ForThisMachine(parse.GetValue(name), parse.GetValue(cpus), parse.GetValue(memory)) with
            {
                Datacenter = parse.GetValue(datacenter)!,
                NodeClass = parse.GetValue(nodeClass)!,
            };
            var seeds = SeedNodes.Parse(parse.GetValue(join)!);
            var workDirectory = parse.GetValue(dataDir)!;
            Directory.CreateDirectory(workDirectory);
            var node = new AgentNode(settings, ServerHost.CreateExecutor(parse.GetValue(executor), settings.Name, workDirectory), seeds,
                host: parse.GetValue(host)!, port: parse.GetValue(port) == 0 ? ServerHost.FreeTcpPort() : parse.GetValue(port), extraHocon: ExtraHocon);
            Console.WriteLine($"agent {settings.Name} joining {string.Join(", ", seeds)} with {settings.CapacityCpus} CPUs and {settings.CapacityMemoryMb} MB");
            using var now = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var terminations = 0;
            // The first SIGTERM (or Ctrl+C) drains, as an autoscaling group's scale-down wants; a second one means now.
            void OnSignal(PosixSignalContext signal)
            {
                signal.Cancel = true;
                if (Interlocked.Increment(ref terminations) == 1)
                {
                    Console.WriteLine($"agent {settings.Name}: {signal.Signal}: draining; exits once its tasks end (again to exit now)");
                    node.DrainAndStop();
                }
                else
                {
                    Console.WriteLine($"agent {settings.Name}: second {signal.Signal}: exiting now; its tasks run again elsewhere");
                    now.Cancel();
                }
            }
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            await node.RunAsync(now.Token);
            return 0;
        });
        return command;
    }
}
