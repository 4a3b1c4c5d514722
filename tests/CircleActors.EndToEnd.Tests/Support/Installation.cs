using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// A CircleActors installation made of real processes on 127.0.0.1: one server (services role,
/// no in-process agent), or a cluster of several sharing one data directory and a PostgreSQL
/// journal, and, when asked, separate agent processes joining it. Ports are free ports fixed for
/// the installation's life, so a killed server comes back at the same address.
/// </summary>
public sealed class Installation : IAsyncDisposable
{
    /// <summary>Short leases and heartbeats, so a lost agent or server is noticed in seconds.</summary>
    public const string FastLeases =
        "circleactors.jobs.lease = 6s\ncircleactors.agent.heartbeat-interval = 1s\ncircleactors.jobs.enqueue-reminder = 1s\ncircleactors.scheduler.node-timeout = 3s";

    private readonly ITestOutputHelper _output;
    private readonly string[] _serverArguments;
    private readonly List<NodeProcess> _agents = new();
    private readonly HashSet<string> _agentNames = new();

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("ca-e2e-data-").FullName;

    /// <summary>The HTTP and cluster ports of each services node, fixed for the installation's life.</summary>
    public IReadOnlyList<(int Http, int Cluster)> NodePorts { get; }

    public int HttpPort => NodePorts[0].Http;
    public int ClusterPort => NodePorts[0].Cluster;

    /// <summary>
    /// The agent's name, unique to the installation: an agent removes the containers an earlier
    /// agent of its name left, so two installations must never share one.
    /// </summary>
    public string AgentName => $"e2e-agent-{ClusterPort}";
    /// <summary>The services nodes' processes, by node index; null until started.</summary>
    public NodeProcess?[] Servers { get; }

    public NodeProcess? Server => Servers[0];

    /// <summary>The services node whose API <see cref="Http"/> and the helpers below talk to.</summary>
    public int ApiNode { get; set; }

    private readonly HttpClient[] _clients;

    public HttpClient Http => _clients[ApiNode];

    public HttpClient HttpOf(int node) => _clients[node];

    private readonly Dictionary<string, string> _environment;

    private readonly TestCertificates? _tls;
    /// <summary>Whether the journal's database was made for this installation, and so is dropped with it.</summary>
    private bool OwnsDatabase { get; init; }

    /// <summary>The PostgreSQL journal's database; null on SQLite.</summary>
    public string? JournalConnectionString { get; private init; }

    /// <summary>A services node's API address: https when the installation serves TLS.</summary>
    public string UrlOf(int node) => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{NodePorts[node].Http}";

    /// <summary>The API address of <see cref="ApiNode"/>.</summary>
    public string BaseUrl => UrlOf(ApiNode);

    /// <summary>A client of a node's API that trusts the installation's test CA when it serves TLS.</summary>
    private HttpClient NewHttpClient(int node) =>
        new(_tls?.TrustingHandler() ?? new HttpClientHandler()) { BaseAddress = new Uri(UrlOf(node)), Timeout = TimeSpan.FromSeconds(60) };

    private Installation(
        ITestOutputHelper output, string[] serverArguments, string? extraHocon, IReadOnlyDictionary<string, string>? environment, int servicesNodes, bool fastLeases,
        TestCertificates? tls)
    {
        _output = output;
        _tls = tls;
        _serverArguments = tls is null ? serverArguments : [.. serverArguments, "--tls-cert", tls.ServerCertificateFile, "--tls-key", tls.ServerKeyFile];
        var hocon = string.Join("\n", new[] { fastLeases ? FastLeases : null, extraHocon }.OfType<string>());
        _environment = new(environment ?? new Dictionary<string, string>()) { ["CIRCLEACTORS_EXTRA_HOCON"] = hocon };
        // Traversable (not readable) by others: machine jobs run as the unprivileged build user in
        // workspaces under the agents' directories here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        NodePorts = Enumerable.Range(0, servicesNodes).Select(_ => (FreePort(), FreePort())).ToArray();
        Servers = new NodeProcess?[servicesNodes];
        _clients = NodePorts.Select((_, node) => NewHttpClient(node)).ToArray();
    }

    /// <summary>Every services node as a seed, so any node (an agent too) joins through whichever is up.</summary>
    private string Seeds => string.Join(",", NodePorts.Select(p => $"127.0.0.1:{p.Cluster}"));

    /// <param name="serverArguments">More options of <c>circleactors server</c> (statsd, metrics interval).</param>
    /// <param name="extraHocon">HOCON for the server and agents on top of <see cref="FastLeases"/>.</param>
    /// <param name="environment">More environment variables for the server and agents.</param>
    /// <param name="servicesNodes">How many services nodes form the cluster (more than one needs PostgreSQL).</param>
    /// <param name="fastLeases">Whether to shorten leases and heartbeats with <see cref="FastLeases"/>; off: the shipped timing.</param>
    /// <param name="postgresConnection">A PostgreSQL database of the test's own, instead of a fresh one on the shared server.</param>
    /// <param name="tls">Serve the API over HTTPS with this certificate.</param>
    public static async Task<Installation> StartAsync(
        ITestOutputHelper output, string journal, bool withAgent = true, string? agentCapacityCpus = "2",
        IReadOnlyList<string>? serverArguments = null, string? extraHocon = null, IReadOnlyDictionary<string, string>? environment = null,
        int servicesNodes = 1, bool fastLeases = true, string? postgresConnection = null, TestCertificates? tls = null)
    {
        if (servicesNodes > 1 && journal != Journals.PostgreSql) throw new ArgumentException("a cluster of services nodes needs the PostgreSQL journal");
        var ownDatabase = journal == Journals.PostgreSql && postgresConnection is null;
        var connection = ownDatabase ? await Journals.NewPostgresDatabaseAsync() : postgresConnection;
        string[] journalArguments = connection is null ? ["--journal", Journals.Sqlite] : ["--journal", Journals.PostgreSql, "--connection-string", connection];
        var installation = new Installation(output, [.. journalArguments, .. serverArguments ?? []], extraHocon, environment, servicesNodes, fastLeases, tls)
        {
            JournalConnectionString = connection,
            OwnsDatabase = ownDatabase,
        };
        // The first node forms the cluster; the others join it, each started once the one before answers.
        for (var node = 0; node < servicesNodes; node++) await installation.StartServerAsync(node);
        if (withAgent) installation.StartAgent(installation.AgentName, agentCapacityCpus);
        return installation;
    }

    /// <summary>Starts (or restarts) a services node and waits until its API answers.</summary>
    public async Task StartServerAsync(int node = 0)
    {
        var clusterPort = NodePorts[node].Cluster;
        var server = Servers[node] = NodeProcess.Start(
        [
            "server", "--data-dir", DataDirectory, "--http", UrlOf(node), "--cluster-port", clusterPort.ToString(),
            "--role", "services", .. NodePorts.Count > 1 ? ["--join", Seeds] : Array.Empty<string>(), .. _serverArguments,
        ], _environment);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (server.HasExited) throw new InvalidOperationException($"services node {node} exited:\n" + server.Output);
            try
            {
                // Unauthenticated requests answer 401 once the API is up.
                using var client = NewHttpClient(node);
                using var probe = await client.GetAsync("/api/v2/project/gh/a/b");
                if (probe.StatusCode == HttpStatusCode.Unauthorized) break;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        var token = File.ReadAllText(Path.Combine(DataDirectory, "admin.token")).Trim();
        foreach (var client in _clients)
        {
            client.DefaultRequestHeaders.Remove("Circle-Token");
            client.DefaultRequestHeaders.Add("Circle-Token", token);
        }
    }

    public NodeProcess StartAgent(string name, string? capacityCpus = "2")
    {
        var agent = NodeProcess.Start(
        [
            "agent", "--join", Seeds, "--name", name, "--data-dir", Path.Combine(DataDirectory, "agent-" + name),
            .. capacityCpus is null ? Array.Empty<string>() : ["--capacity-cpus", capacityCpus],
        ], _environment);
        _agents.Add(agent);
        _agentNames.Add(name);
        return agent;
    }

    public async Task<JsonNode> AddProjectAsync(string slug, string repoUrl, string secret)
    {
        using var response = await Http.PostAsJsonAsync("/api/v2/project", new Dictionary<string, string>
        {
            ["slug"] = slug, ["repo_url"] = repoUrl, ["default_branch"] = "main", ["webhook_secret"] = secret,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"adding {slug}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Triggers a pipeline through the API and returns its id (the trigger must be accepted).</summary>
    public async Task<string> TriggerAsync(string slug, string branch = "main")
    {
        using var response = await Http.PostAsync($"/api/v2/project/{slug}/pipeline",
            new StringContent($$"""{"branch":"{{branch}}"}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"triggering {slug}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public async Task<string> GetTextAsync(string path) => await Http.GetStringAsync(path);

    /// <summary>Posts a GitHub delivery signed with <paramref name="secret"/> (or with the signature given).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> DeliverAsync(string eventName, string deliveryId, byte[] body, string? secret, string? signature = null)
    {
        using var request = SignedDelivery(eventName, deliveryId, body, secret, signature);
        using var client = NewHttpClient(ApiNode);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    /// <summary>A <c>POST /webhooks/github</c> as GitHub sends it, signed with <paramref name="secret"/> (or with the signature given).</summary>
    public static HttpRequestMessage SignedDelivery(string eventName, string deliveryId, byte[] body, string? secret, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        signature ??= secret is null ? null : "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)).ToLowerInvariant();
        if (signature is not null) request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>Waits until the pipeline errored or has workflows that all ended; returns the pipeline.</summary>
    public async Task<JsonNode> WaitForPipelineAsync(string pipelineId, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        JsonNode? last = null;
        while (watch.Elapsed < timeout)
        {
            var pipeline = await GetAsync($"/api/v2/pipeline/{pipelineId}");
            if (pipeline["state"]!.GetValue<string>() == "errored") return pipeline;
            var workflows = (await GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray();
            last = workflows;
            // Workflows and jobs are projected by separate streams: wait for both to show the end
            // (jobs that never ran, approvals included, have no job number and no end time).
            if (pipeline["state"]!.GetValue<string>() == "created" && workflows.Count > 0 &&
                workflows.All(w => w!["status"]!.GetValue<string>() is "success" or "failed" or "error" or "canceled") &&
                (await WorkflowJobsAsync(pipelineId)).All(j => j!["stopped_at"] is not null || j["job_number"] is null))
                return pipeline;
            await Task.Delay(300);
        }
        throw new TimeoutException($"pipeline {pipelineId} did not end in {timeout}; workflows: {last}\nservers:\n{string.Join("\n", Servers.Select(s => s?.Output))}\nagents:\n{string.Join("\n", _agents.Select(a => a.Output))}");
    }

    public async Task<JsonArray> WorkflowJobsAsync(string pipelineId)
    {
        var workflows = (await GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray();
        var jobs = new JsonArray();
        foreach (var workflow in workflows)
        foreach (var job in (await GetAsync($"/api/v2/workflow/{workflow!["id"]}/job"))["items"]!.AsArray())
            jobs.Add(job!.DeepClone());
        return jobs;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            _output.WriteLine("agent output (tail):\n" + Tail(agent.Output));
            await agent.DisposeAsync();
        }
        for (var node = 0; node < Servers.Length; node++)
        {
            if (Servers[node] is not { } server) continue;
            _output.WriteLine($"services node {node} output (tail):\n" + Tail(server.Output));
            await server.DisposeAsync();
        }
        foreach (var client in _clients) client.Dispose();
        await RemoveContainersAsync();
        if (OwnsDatabase) await Journals.DropPostgresDatabaseAsync(JournalConnectionString!);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Removes the containers of this installation's agents: an agent killed by a spec leaves its
    /// job containers running, and only an agent of the same name would remove them when it starts.
    /// </summary>
    private async Task RemoveContainersAsync()
    {
        foreach (var name in _agentNames)
        {
            var ids = (await DockerAsync("ps", "-aq", "--filter", $"label=circleactors.agent={name}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (ids.Length > 0) await DockerAsync(["rm", "-f", .. ids]);
        }
    }

    private static async Task<string> DockerAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("docker", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output;
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
