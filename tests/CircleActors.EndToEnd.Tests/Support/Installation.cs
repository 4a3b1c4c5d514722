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
/// no in-process agent) and, when asked, a separate agent process joining it. Ports are free
/// ports fixed for the installation's life, so a killed server comes back at the same address.
/// </summary>
public sealed class Installation : IAsyncDisposable
{
    /// <summary>Short leases and heartbeats, so a lost agent or server is noticed in seconds.</summary>
    public const string FastLeases =
        "circleactors.jobs.lease = 6s\ncircleactors.agent.heartbeat-interval = 1s\ncircleactors.jobs.enqueue-reminder = 1s\ncircleactors.scheduler.node-timeout = 3s";

    private readonly ITestOutputHelper _output;
    private readonly string[] _serverArguments;
    private readonly List<NodeProcess> _agents = new();

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("ca-e2e-data-").FullName;
    public int HttpPort { get; } = FreePort();
    public int ClusterPort { get; } = FreePort();

    /// <summary>
    /// The agent's name, unique to the installation: an agent removes the containers an earlier
    /// agent of its name left, so two installations must never share one.
    /// </summary>
    public string AgentName => $"e2e-agent-{ClusterPort}";
    public NodeProcess? Server { get; private set; }
    public HttpClient Http { get; }

    private readonly Dictionary<string, string> _environment;

    private Installation(ITestOutputHelper output, string[] serverArguments, string? extraHocon, IReadOnlyDictionary<string, string>? environment)
    {
        _output = output;
        _serverArguments = serverArguments;
        _environment = new(environment ?? new Dictionary<string, string>()) { ["CIRCLEACTORS_EXTRA_HOCON"] = FastLeases + (extraHocon is null ? "" : "\n" + extraHocon) };
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <param name="serverArguments">More options of <c>circleactors server</c> (statsd, metrics interval).</param>
    /// <param name="extraHocon">HOCON for the server and agents on top of <see cref="FastLeases"/>.</param>
    /// <param name="environment">More environment variables for the server and agents.</param>
    /// <param name="postgresConnection">A PostgreSQL database of the test's own, instead of a fresh one on the shared server.</param>
    public static async Task<Installation> StartAsync(
        ITestOutputHelper output, string journal, bool withAgent = true, string? agentCapacityCpus = "2",
        IReadOnlyList<string>? serverArguments = null, string? extraHocon = null, IReadOnlyDictionary<string, string>? environment = null,
        string? postgresConnection = null)
    {
        string[] journalArguments = postgresConnection is null
            ? await Journals.ServerArgumentsAsync(journal)
            : ["--journal", Journals.PostgreSql, "--connection-string", postgresConnection];
        var installation = new Installation(output, [.. journalArguments, .. serverArguments ?? []], extraHocon, environment);
        await installation.StartServerAsync();
        if (withAgent) installation.StartAgent(installation.AgentName, agentCapacityCpus);
        return installation;
    }

    public async Task StartServerAsync()
    {
        Server = NodeProcess.Start(
        [
            "server", "--data-dir", DataDirectory, "--http", $"http://127.0.0.1:{HttpPort}", "--cluster-port", ClusterPort.ToString(),
            "--no-agent", .. _serverArguments,
        ], _environment);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (Server.HasExited) throw new InvalidOperationException("the server exited:\n" + Server.Output);
            try
            {
                // Unauthenticated requests answer 401 once the API is up.
                using var probe = await new HttpClient().GetAsync($"http://127.0.0.1:{HttpPort}/api/v2/project/gh/a/b");
                if (probe.StatusCode == HttpStatusCode.Unauthorized) break;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        Http.DefaultRequestHeaders.Remove("Circle-Token");
        Http.DefaultRequestHeaders.Add("Circle-Token", File.ReadAllText(Path.Combine(DataDirectory, "admin.token")).Trim());
    }

    public NodeProcess StartAgent(string name, string? capacityCpus = "2")
    {
        var agent = NodeProcess.Start(
        [
            "agent", "--join", $"127.0.0.1:{ClusterPort}", "--name", name, "--data-dir", Path.Combine(DataDirectory, "agent-" + name),
            .. capacityCpus is null ? Array.Empty<string>() : ["--capacity-cpus", capacityCpus],
        ], _environment);
        _agents.Add(agent);
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
        using var response = await new HttpClient { BaseAddress = Http.BaseAddress }.SendAsync(request);
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
        throw new TimeoutException($"pipeline {pipelineId} did not end in {timeout}; workflows: {last}\nserver:\n{Server?.Output}\nagents:\n{string.Join("\n", _agents.Select(a => a.Output))}");
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
        if (Server is not null)
        {
            _output.WriteLine("server output (tail):\n" + Tail(Server.Output));
            await Server.DisposeAsync();
        }
        Http.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
