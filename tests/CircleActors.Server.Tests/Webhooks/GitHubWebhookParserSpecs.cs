using System.Text;
using System.Text.Json.Nodes;
using CircleActors.Server.Webhooks;

namespace CircleActors.Server.Tests.Webhooks;

/// <summary>Cases the example payloads don't cover: edge refs, other actions and broken deliveries.</summary>
public class GitHubWebhookParserSpecs
{
    private const string Sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    private static JsonObject Push(string gitRef = "refs/heads/main") => new()
    {
        ["ref"] = gitRef,
        ["before"] = "0000000000000000000000000000000000000000",
        ["after"] = Sha,
        ["deleted"] = false,
        ["repository"] = new JsonObject { ["full_name"] = "acme/app" },
        ["sender"] = new JsonObject { ["login"] = "octocat" },
        ["head_commit"] = new JsonObject { ["message"] = "Fix the build\n\nLonger explanation." },
    };

    private static JsonObject PullRequest(string action = "opened") => new()
    {
        ["action"] = action,
        ["number"] = 42,
        ["pull_request"] = new JsonObject
        {
            ["head"] = new JsonObject { ["ref"] = "feature/login", ["sha"] = Sha },
        },
        ["repository"] = new JsonObject { ["full_name"] = "acme/app" },
        ["sender"] = new JsonObject { ["login"] = "octocat" },
    };

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static JsonObject Without(JsonObject json, params string[] path)
    {
        var holder = path[..^1].Aggregate((JsonNode)json, (node, name) => node[name]!).AsObject();
        holder.Remove(path[^1]);
        return json;
    }

    [Fact]
    public void A_push_to_a_branch_whose_name_has_slashes_keeps_the_whole_name()
    {
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(GitHubWebhookParser.Parse("push", Bytes(Push("refs/heads/feature/a/b"))));

        Assert.Equal("feature/a/b", trigger.Branch);
        Assert.Null(trigger.Tag);
        Assert.Equal(Sha, trigger.Revision);
        Assert.Equal("acme/app", trigger.RepositoryFullName);
    }

    [Fact]
    public void A_push_of_a_tag_triggers_on_the_tag_and_no_branch()
    {
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(GitHubWebhookParser.Parse("push", Bytes(Push("refs/tags/v1.2.0"))));

        Assert.Equal("v1.2.0", trigger.Tag);
        Assert.Null(trigger.Branch);
    }

    [Fact]
    public void The_commit_subject_is_the_first_line_of_the_head_commit_message()
    {
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(GitHubWebhookParser.Parse("push", Bytes(Push())));

        Assert.Equal("Fix the build", trigger.CommitSubject);
        Assert.Equal("octocat", trigger.ActorLogin);
    }

    [Fact]
    public void A_push_without_a_head_commit_has_no_subject()
    {
        var push = Push();
        push["head_commit"] = null;

        var trigger = Assert.IsType<WebhookParseResult.Trigger>(GitHubWebhookParser.Parse("push", Bytes(push)));

        Assert.Null(trigger.CommitSubject);
    }

    [Fact]
    public void A_push_that_deletes_a_branch_is_ignored()
    {
        var push = Push();
        push["deleted"] = true;
        push["after"] = "0000000000000000000000000000000000000000";

        Assert.IsType<WebhookParseResult.Ignored>(GitHubWebhookParser.Parse("push", Bytes(push)));
    }

    [Fact]
    public void A_pull_request_that_is_opened_triggers_on_its_head()
    {
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(GitHubWebhookParser.Parse("pull_request", Bytes(PullRequest())));

        Assert.Equal("feature/login", trigger.Branch);
        Assert.Equal(Sha, trigger.Revision);
        Assert.Equal("42", trigger.PullRequestNumber);
    }

    [Theory]
    [InlineData("closed")]
    [InlineData("labeled")]
    [InlineData("edited")]
    public void A_pull_request_action_that_changes_no_code_is_ignored(string action)
    {
        var result = GitHubWebhookParser.Parse("pull_request", Bytes(PullRequest(action)));

        Assert.Contains(action, Assert.IsType<WebhookParseResult.Ignored>(result).Reason);
    }

    [Fact]
    public void An_event_we_do_not_handle_is_ignored_and_named()
    {
        var result = GitHubWebhookParser.Parse("issues", Bytes(new JsonObject { ["action"] = "opened" }));

        Assert.Contains("issues", Assert.IsType<WebhookParseResult.Ignored>(result).Reason);
    }

    public static TheoryData<string, string, string> MalformedDeliveries() => new()
    {
        { "push", "this is not JSON", "JSON" },
        { "push", "[1, 2, 3]", "object" },
        { "push", Without(Push(), "after").ToJsonString(), "'after'" },
        { "push", Without(Push(), "ref").ToJsonString(), "'ref'" },
        { "push", Push("refs/remotes/x").ToJsonString(), "'ref'" },
        { "push", Push("refs/heads/").ToJsonString(), "'ref'" },
        { "push", Without(Push(), "repository", "full_name").ToJsonString(), "'repository.full_name'" },
        { "push", Without(Push(), "repository").ToJsonString(), "'repository.full_name'" },
        { "pull_request", Without(PullRequest(), "pull_request", "head", "ref").ToJsonString(), "'pull_request.head.ref'" },
        { "pull_request", Without(PullRequest(), "pull_request", "head", "sha").ToJsonString(), "'pull_request.head.sha'" },
        { "pull_request", Without(PullRequest(), "pull_request").ToJsonString(), "'pull_request'" },
        { "pull_request", Without(PullRequest(), "action").ToJsonString(), "'action'" },
        { "ping", "", "JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedDeliveries))]
    public void A_delivery_that_breaks_the_payload_contract_is_malformed_and_names_the_field(string eventName, string body, string quotedField)
    {
        var result = GitHubWebhookParser.Parse(eventName, Encoding.UTF8.GetBytes(body));

        Assert.Contains(quotedField, Assert.IsType<WebhookParseResult.Malformed>(result).Reason);
    }

    [Fact]
    public void A_push_whose_after_is_not_a_sha_is_malformed()
    {
        var push = Push();
        push["after"] = "main";

        var result = GitHubWebhookParser.Parse("push", Bytes(push));

        Assert.Contains("'after'", Assert.IsType<WebhookParseResult.Malformed>(result).Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_delivery_without_an_event_name_is_malformed(string? eventName)
    {
        var result = GitHubWebhookParser.Parse(eventName, Bytes(Push()));

        Assert.Contains(GitHubWebhookParser.EventHeaderName, Assert.IsType<WebhookParseResult.Malformed>(result).Reason);
    }
}
