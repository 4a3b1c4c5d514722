using System.Globalization;
using System.Text.Json;

namespace CircleActors.Server.Webhooks;

/// <summary>
/// Turns one GitHub webhook delivery (the <c>X-GitHub-Event</c> header and the raw JSON body)
/// into a <see cref="WebhookParseResult"/>. Pure: no I/O, no clock, safe to call concurrently.
/// Verify the signature with <see cref="WebhookSignature"/> before trusting the outcome.
/// </summary>
public static class GitHubWebhookParser
{
    public const string EventHeaderName = "X-GitHub-Event";

    private const string BranchPrefix = "refs/heads/";
    private const string TagPrefix = "refs/tags/";

    // The pull request actions that put new code at the head; the rest (closed, labeled, edited, ...) change no commit.
    private static readonly HashSet<string> BuildingPullRequestActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened" };

    /// <param name="eventName">The <c>X-GitHub-Event</c> header, e.g. <c>push</c>; null or empty is malformed.</param>
    /// <param name="body">The body as received; GitHub sends a JSON object for every event.</param>
    public static WebhookParseResult Parse(string? eventName, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrWhiteSpace(eventName))
            return new WebhookParseResult.Malformed($"the {EventHeaderName} header is missing");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return new WebhookParseResult.Malformed($"the body is not JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new WebhookParseResult.Malformed($"the body is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");

            return eventName switch
            {
                "ping" => new WebhookParseResult.Ping(),
                "push" => ParsePush(root),
                "pull_request" => ParsePullRequest(root),
                _ => new WebhookParseResult.Ignored($"'{eventName}' events start no pipeline"),
            };
        }
    }

    private static WebhookParseResult ParsePush(JsonElement root)
    {
        if (RequiredString(root, "ref") is not { } gitRef) return Missing("ref");
        if (RequiredString(root, "after") is not { } after) return Missing("after");
        if (RepositoryFullName(root, out var repository) is { } badRepository) return badRepository;

        string? branch = null, tag = null;
        if (gitRef.StartsWith(BranchPrefix, StringComparison.Ordinal) && gitRef.Length > BranchPrefix.Length)
            branch = gitRef[BranchPrefix.Length..];
        else if (gitRef.StartsWith(TagPrefix, StringComparison.Ordinal) && gitRef.Length > TagPrefix.Length)
            tag = gitRef[TagPrefix.Length..];
        else
            return new WebhookParseResult.Malformed($"'ref' is '{gitRef}', neither {BranchPrefix}<branch> nor {TagPrefix}<tag>");

        if (root.TryGetProperty("deleted", out var deleted) && deleted.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            return new WebhookParseResult.Malformed("'deleted' is not a boolean");
        // An all-zero sha is git's "no commit", so a push to it is a deletion even if the flag were absent.
        if (deleted.ValueKind == JsonValueKind.True || IsAllZeros(after))
            return new WebhookParseResult.Ignored($"the push deletes {gitRef}");

        if (!IsSha(after)) return new WebhookParseResult.Malformed($"'after' is '{after}', not a commit sha");

        var actor = OptionalString(root, "sender", "login") ?? OptionalString(root, "pusher", "name");
        var subject = OptionalString(root, "head_commit", "message") is { } message ? FirstLine(message) : null;
        return new WebhookParseResult.Trigger(repository, branch, tag, after, PullRequestNumber: null, actor, subject);
    }

    private static WebhookParseResult ParsePullRequest(JsonElement root)
    {
        // The action decides first: an ignored action needs nothing else from the payload.
        if (RequiredString(root, "action") is not { } action) return Missing("action");
        if (!BuildingPullRequestActions.Contains(action))
            return new WebhookParseResult.Ignored($"pull_request action '{action}' changes no code to build");

        if (!root.TryGetProperty("pull_request", out var pullRequest) || pullRequest.ValueKind != JsonValueKind.Object)
            return Missing("pull_request");
        if (RequiredString(pullRequest, "head", "ref") is not { } headRef) return Missing("pull_request.head.ref");
        if (RequiredString(pullRequest, "head", "sha") is not { } headSha) return Missing("pull_request.head.sha");
        if (!IsSha(headSha)) return new WebhookParseResult.Malformed($"'pull_request.head.sha' is '{headSha}', not a commit sha");
        if (PullRequestNumber(root, pullRequest) is not { } number) return Missing("number");
        if (RepositoryFullName(root, out var repository) is { } badRepository) return badRepository;

        var actor = OptionalString(root, "sender", "login");
        return new WebhookParseResult.Trigger(repository, headRef, Tag: null, headSha, number, actor, CommitSubject: null);
    }

    private static WebhookParseResult.Malformed? RepositoryFullName(JsonElement root, out string fullName)
    {
        fullName = RequiredString(root, "repository", "full_name") ?? "";
        if (fullName.Length == 0) return Missing("repository.full_name");
        var slash = fullName.IndexOf('/');
        if (slash <= 0 || slash == fullName.Length - 1 || fullName.IndexOf('/', slash + 1) >= 0)
            return new WebhookParseResult.Malformed($"'repository.full_name' is '{fullName}', not owner/name");
        return null;
    }

    // The top-level number is the documented one; the copy inside pull_request is a fallback for hand-made senders.
    private static string? PullRequestNumber(JsonElement root, JsonElement pullRequest)
    {
        foreach (var holder in new[] { root, pullRequest })
        {
            if (holder.TryGetProperty("number", out var number) && number.ValueKind == JsonValueKind.Number && number.TryGetInt64(out var value) && value > 0)
                return value.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }

    private static WebhookParseResult.Malformed Missing(string path) =>
        new($"'{path}' is missing or not a non-empty string");

    /// <summary>The non-empty string at the path, or null when any step is absent or of another kind.</summary>
    private static string? RequiredString(JsonElement element, params string[] path)
    {
        var value = OptionalString(element, path);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static string? OptionalString(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    // Git names commits by SHA-1 (40 hex digits) or, in SHA-256 repositories, 64.
    private static bool IsSha(string text) =>
        text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit);

    private static bool IsAllZeros(string text) =>
        text.Length > 0 && text.All(c => c == '0');
}
