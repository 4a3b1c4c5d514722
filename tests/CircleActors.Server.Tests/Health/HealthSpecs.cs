using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CircleActors.Agent.Runtime;
using CircleActors.Domain.Common;
using CircleActors.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace CircleActors.Server.Tests.Health;

/// <summary>Health per component and readiness, on real Kestrel and real SQLite, without a token.</summary>
public sealed class HealthSpecs : IAsyncLifetime
{
    private readonly List<(WebApplication App, string Data)> _servers = new();

    private async Task<(WebApplication App, HttpClient Http, string Data)> StartAsync(int clusterPort = 0, IReadOnlyList<string>? seeds = null)
    {
        var data = Directory.CreateTempSubdirectory("ca-health-").FullName;
        var app = ServerHost.Build(new ServerOptions
        {
            DataDirectory = data,
            HttpUrl = "http://127.0.0.1:0",
            ClusterPort = clusterPort,
            Seeds = seeds ?? [],
            Executor = ExecutorKind.Fake,
            Agent = new AgentSettings(new NodeId($"health-{clusterPort}-{Guid.NewGuid():N}"), "health", 4, 8192, 4),
        }, announce: _ => { });
        _servers.Add((app, data));
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) }, data);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (app, data) in _servers)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> WaitForAsync(HttpClient http, string path, HttpStatusCode status)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var answer = await GetAsync(http, path);
            if (answer.Status == status || watch.Elapsed > TimeSpan.FromSeconds(30)) return answer;
            await Task.Delay(100);
        }
    }

    private static string StatusOf(JsonNode body, string component) =>
        body["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == component)!["status"]!.GetValue<string>();

    [Fact]
    public async Task Every_path_reports_every_component_healthy_once_the_node_is_up_and_github_as_not_configured()
    {
        var (_, http, _) = await StartAsync();
        var (ready, _) = await WaitForAsync(http, "/ready", HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, ready);

        foreach (var path in new[] { "/health-check", "/healthcheck", "/status" })
        {
            var (status, body) = await GetAsync(http, path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("healthy", body["status"]!.GetValue<string>());
            var names = body["components"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToHashSet();
            Assert.Equal(new HashSet<string> { "frontend", "journal", "blob-store", "scheduler", "projectors", "cluster", "github" }, names);
        }
        var (_, github) = await GetAsync(http, "/health-check/github");
        Assert.Equal("not configured", github["components"]![0]!["description"]!.GetValue<string>());
        var (unknown, reason) = await GetAsync(http, "/health-check/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("blob-store", reason["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_blob_store_that_cannot_be_written_is_500_with_the_reason_and_the_node_is_not_ready()
    {
        var (_, http, data) = await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await WaitForAsync(http, "/ready", HttpStatusCode.OK)).Status);

        // A file where the blob directory should be: as a wrong mount or a full disk would leave it.
        var blobs = Path.Combine(data, "blobs");
        if (Directory.Exists(blobs)) Directory.Delete(blobs, recursive: true);
        await File.WriteAllTextAsync(blobs, "not a directory");

        var (status, body) = await GetAsync(http, "/health-check");
        var (one, single) = await GetAsync(http, "/health-check/blob-store");
        var (ready, _) = await GetAsync(http, "/ready");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("unhealthy", StatusOf(body, "blob-store"));
        Assert.Equal("healthy", StatusOf(body, "journal"));
        Assert.Equal(HttpStatusCode.InternalServerError, one);
        Assert.Contains("is not writable", single["components"]![0]!["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
    }

    [Fact]
    public async Task Ready_answers_503_while_the_node_waits_to_join_its_cluster_and_200_once_it_has()
    {
        var seedPort = ServerHost.FreeTcpPort();
        var seed = $"akka.tcp://{ServerHost.ActorSystemName}@127.0.0.1:{seedPort}";
        var (_, joiner, _) = await StartAsync(seeds: [seed]);

        var (waiting, body) = await GetAsync(joiner, "/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting);
        Assert.Equal("unhealthy", StatusOf(body, "cluster"));

        await StartAsync(clusterPort: seedPort);
        var (ready, after) = await WaitForAsync(joiner, "/ready", HttpStatusCode.OK);
        Assert.True(ready == HttpStatusCode.OK, after.ToJsonString());
    }
}
