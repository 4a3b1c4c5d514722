using System.Net;
using System.Net.Http.Json;
using CircleActors.Agent.Runtime;
using CircleActors.Domain.Common;
using CircleActors.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace CircleActors.Server.Tests.Api;

/// <summary>
/// A real server on Kestrel at 127.0.0.1 over a data directory (SQLite journal, fake executor),
/// with a client that sends the admin token. Stopping it keeps the data directory, so a spec can
/// read its files or start another server over it.
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private WebApplication? app;

    private ApiServer(WebApplication app, HttpClient http)
    {
        this.app = app;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <exception cref="ArgumentException">The secrets key is malformed; nothing was started.</exception>
    public static WebApplication Build(string dataDirectory, string name, string? secretsKey = null) => ServerHost.Build(new ServerOptions
    {
        DataDirectory = dataDirectory,
        HttpUrl = "http://127.0.0.1:0",
        ClusterPort = 0,
        Executor = ExecutorKind.Fake,
        Agent = new AgentSettings(new NodeId(name), name, 4, 8192, 4),
        SecretsKey = secretsKey,
    }, announce: _ => { });

    public static async Task<ApiServer> StartAsync(string dataDirectory, string name, string? secretsKey = null)
    {
        var app = Build(dataDirectory, name, secretsKey);
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        http.DefaultRequestHeaders.Add("Circle-Token", (await File.ReadAllTextAsync(Path.Combine(dataDirectory, AdminToken.FileName))).Trim());
        return new ApiServer(app, http);
    }

    /// <summary>Adds a project and checks the answer is 201.</summary>
    public async Task AddProjectAsync(string slug, string repositoryUrl)
    {
        using var created = await Http.PostAsJsonAsync("/api/v2/project", new { slug, repo_url = repositoryUrl });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task StopAsync()
    {
        if (app is null) return;
        await app.StopAsync();
        await app.DisposeAsync();
        app = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
    }
}

/// <summary>
/// A spec class over one <see cref="ApiServer"/> in a data directory of its own, with project
/// <c>gh/acme/app</c> added; the directory is deleted afterwards.
/// </summary>
public abstract class ApiServerSpec(string name, string repositoryUrl) : IAsyncLifetime
{
    private ApiServer _server = null!;

    protected string Data { get; } = Directory.CreateTempSubdirectory($"ca-{name}-").FullName;

    protected HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await ApiServer.StartAsync(Data, name);
        await _server.AddProjectAsync("gh/acme/app", repositoryUrl);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(Data, recursive: true);
    }

    /// <summary>Stops the server and keeps the data directory.</summary>
    protected Task StopAsync() => _server.StopAsync();
}
