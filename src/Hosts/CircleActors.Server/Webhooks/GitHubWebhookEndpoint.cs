using System.Text.Json;
using CircleActors.Actors.Common;
using CircleActors.Actors.Pipelines;
using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Server.Api;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Webhooks;

/// <summary>
/// <c>POST /webhooks/github</c>. Order matters: find the project the delivery names, verify
/// the signature with that project's secret, and only then act on it. Every refusal stores
/// nothing. A delivery id always maps to the same pipeline, so redeliveries are answered with
/// the pipeline the first delivery started.
/// </summary>
public static class GitHubWebhookEndpoint
{
    public const string DeliveryHeaderName = "X-GitHub-Delivery";

    /// <summary>GitHub caps payloads at 25 MB.</summary>
    public const long MaxBodyBytes = 25 * 1024 * 1024;

    public static void MapGitHubWebhooks(this IEndpointRouteBuilder app) =>
        app.MapPost("/webhooks/github", Receive).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes))
            .AddEndpointFilter<JournalWriteGate>().WithRequestTimeout(JournalWriteGate.TimeoutPolicy);

    private static async Task<IResult> Receive(HttpRequest request, Entities entities, CancellationToken ct)
    {
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        var eventName = request.Headers[GitHubWebhookParser.EventHeaderName].FirstOrDefault();

        if (RepositoryOf(body) is not { } repository)
        {
            // An organization's ping names no repository: nothing to verify against and nothing to do.
            return eventName == "ping"
                ? Results.Json(new { message = "pong" })
                : ApiErrors.BadRequest("the body is not a JSON object naming repository.full_name");
        }
        if (!ProjectSlug.TryParse("gh/" + repository, out var slug))
            return ApiErrors.BadRequest($"repository.full_name '{repository}' is not owner/name");

        return await ApiErrors.Guard(async () =>
        {
            var reply = await Reliably.AskAsync(entities.Projects, new ProjectQueries.GetProject(slug), ct);
            if (reply is not ProjectState project) return ApiErrors.NotFound($"no project for repository {repository}");
            if (string.IsNullOrEmpty(project.WebhookSecret) ||
                !WebhookSignature.Verify(body, request.Headers[WebhookSignature.HeaderName].FirstOrDefault(), project.WebhookSecret))
                return ApiErrors.Message(StatusCodes.Status401Unauthorized, "the X-Hub-Signature-256 signature does not match this project's webhook secret");

            switch (GitHubWebhookParser.Parse(eventName, body))
            {
                case WebhookParseResult.Ping:
                    return Results.Json(new { message = "pong" });
                case WebhookParseResult.Ignored ignored:
                    return Results.Json(new { message = ignored.Reason }, statusCode: StatusCodes.Status202Accepted);
                case WebhookParseResult.Malformed malformed:
                    return ApiErrors.BadRequest(malformed.Reason);
                case WebhookParseResult.Trigger trigger:
                    var delivery = request.Headers[DeliveryHeaderName].FirstOrDefault();
                    if (string.IsNullOrWhiteSpace(delivery)) return ApiErrors.BadRequest($"the {DeliveryHeaderName} header is missing");
                    var actor = new Actor(trigger.ActorLogin ?? "github", "user", trigger.ActorLogin);
                    var pipeline = await entities.Triggers.TriggerAsync(PipelineTriggers.IdForDelivery(slug, delivery),
                        new PipelineTriggers.TriggerRequest(slug, trigger.Branch, trigger.Tag, trigger.Revision,
                            new PipelineTrigger(trigger.TriggerKind, actor, DateTimeOffset.UtcNow, delivery)), ct);
                    return Results.Json(ProjectsApi.Creation(pipeline), statusCode: StatusCodes.Status201Created);
                default:
                    throw new InvalidOperationException("unknown webhook outcome");
            }
        });
    }

    private static string? RepositoryOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("repository", out var repository) &&
                   repository.ValueKind == JsonValueKind.Object &&
                   repository.TryGetProperty("full_name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
