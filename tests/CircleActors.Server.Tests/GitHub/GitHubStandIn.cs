using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CircleActors.Server.Tests.GitHub;

/// <summary>
/// The one GitHub Enterprise endpoint the server calls, on real Kestrel: it records each commit
/// status and answers as GitHub does, or with 502 while it is told GitHub is down.
/// </summary>
public sealed class GitHubStandIn : IAsyncDisposable
{
    public sealed record ReceivedStatus(string Owner, string Repository, string Sha, string State, string Context, string? TargetUrl, string? Authorization);

    private readonly WebApplication _app;
    private int _refused;

    public ConcurrentQueue<ReceivedStatus> Statuses { get; } = new();

    /// <summary>While true, every request is answered 502 and recorded nowhere.</summary>
    public volatile bool Down;

    public int Refused => _refused;

    /// <summary>The token GitHub takes; any other is refused with 401.</summary>
    public string AcceptedToken { get; init; } = "gh-token-for-specs";

    public Uri Url => new(_app.Urls.First() + "/");

    private GitHubStandIn(WebApplication app) => _app = app;

    public static async Task<GitHubStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new GitHubStandIn(app);
        app.MapPost("/api/v3/repos/{owner}/{repo}/statuses/{sha}", async (string owner, string repo, string sha, HttpRequest request) =>
        {
            if (standIn.Down)
            {
                Interlocked.Increment(ref standIn._refused);
                return Results.StatusCode(StatusCodes.Status502BadGateway);
            }
            var body = (await JsonNode.ParseAsync(request.Body))!;
            var state = body["state"]!.GetValue<string>();
            standIn.Statuses.Enqueue(new ReceivedStatus(owner, repo, sha, state, body["context"]!.GetValue<string>(),
                body["target_url"]?.GetValue<string>(), request.Headers.Authorization.FirstOrDefault()));
            var now = DateTimeOffset.UtcNow.ToString("O");
            return Results.Json(new Dictionary<string, object?>
            {
                ["id"] = standIn.Statuses.Count, ["url"] = $"{request.Scheme}://{request.Host}{request.Path}", ["state"] = state,
                ["description"] = body["description"]?.GetValue<string>(), ["target_url"] = body["target_url"]?.GetValue<string>(),
                ["context"] = body["context"]!.GetValue<string>(), ["created_at"] = now, ["updated_at"] = now,
            }, statusCode: StatusCodes.Status201Created);
        });
        app.MapGet("/api/v3/rate_limit", (HttpRequest request) =>
        {
            if (standIn.Down) return Results.StatusCode(StatusCodes.Status502BadGateway);
            if (request.Headers.Authorization.FirstOrDefault() != $"Token {standIn.AcceptedToken}")
                return Results.Json(new { message = "Bad credentials" }, statusCode: StatusCodes.Status401Unauthorized);
            var reset = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
            var core = new { limit = 5000, remaining = 4999, reset };
            return Results.Json(new { resources = new { core, search = core }, rate = core });
        });
        await app.StartAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
