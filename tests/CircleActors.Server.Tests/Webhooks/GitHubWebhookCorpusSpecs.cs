using System.Text.Json.Nodes;
using CircleActors.Server.Webhooks;

namespace CircleActors.Server.Tests.Webhooks;

/// <summary>
/// Every example payload from octokit/webhooks in the shared corpus, each under a folder named for
/// its event. Expectations come from reading the same file with JsonNode, not from the parser's code.
/// </summary>
public class GitHubWebhookCorpusSpecs
{
    private static readonly string[] EventsInCorpus = ["ping", "push", "pull_request", "create", "delete"];
    private static readonly string[] BuildingActions = ["opened", "synchronize", "reopened"];

    private static string PayloadRoot => SharedCorpus.PathTo("webhooks", "octokit");

    public static TheoryData<string, string> Payloads()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(PayloadRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(PayloadRoot, file);
            data.Add(Path.GetDirectoryName(relative)!, Path.GetFileName(relative));
        }
        return data;
    }

    [Fact]
    public void The_corpus_holds_payloads_for_every_event_the_parser_is_checked_against()
    {
        // Guards the theory below: an empty or renamed corpus folder would otherwise pass with no cases.
        foreach (var eventName in EventsInCorpus)
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(PayloadRoot, eventName), "*.json"));
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Each_example_payload_gets_the_outcome_its_event_and_content_call_for(string eventName, string fileName)
    {
        var bytes = File.ReadAllBytes(Path.Combine(PayloadRoot, eventName, fileName));
        var json = JsonNode.Parse(bytes)!.AsObject();

        var result = GitHubWebhookParser.Parse(eventName, bytes);

        switch (eventName)
        {
            case "ping":
                Assert.IsType<WebhookParseResult.Ping>(result);
                break;
            case "create" or "delete":
                Assert.IsType<WebhookParseResult.Ignored>(result);
                break;
            case "push":
                AssertPush(json, result);
                break;
            case "pull_request":
                AssertPullRequest(json, result);
                break;
            default:
                Assert.Fail($"the corpus has a folder '{eventName}' this spec has no expectation for");
                break;
        }
    }

    private static void AssertPush(JsonObject json, WebhookParseResult result)
    {
        if (json["deleted"]?.GetValue<bool>() == true)
        {
            Assert.IsType<WebhookParseResult.Ignored>(result);
            return;
        }

        var gitRef = json["ref"]!.GetValue<string>();
        var headCommitMessage = json["head_commit"]?["message"]?.GetValue<string>();
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(result);
        Assert.Equal(json["repository"]!["full_name"]!.GetValue<string>(), trigger.RepositoryFullName);
        Assert.Equal(gitRef.StartsWith("refs/heads/") ? gitRef["refs/heads/".Length..] : null, trigger.Branch);
        Assert.Equal(gitRef.StartsWith("refs/tags/") ? gitRef["refs/tags/".Length..] : null, trigger.Tag);
        Assert.Equal(json["after"]!.GetValue<string>(), trigger.Revision);
        Assert.Equal("webhook", trigger.TriggerKind);
        Assert.Null(trigger.PullRequestNumber);
        Assert.Equal(json["sender"]!["login"]!.GetValue<string>(), trigger.ActorLogin);
        Assert.Equal(headCommitMessage?.Split('\n')[0], trigger.CommitSubject);
    }

    private static void AssertPullRequest(JsonObject json, WebhookParseResult result)
    {
        if (!BuildingActions.Contains(json["action"]!.GetValue<string>()))
        {
            Assert.IsType<WebhookParseResult.Ignored>(result);
            return;
        }

        var head = json["pull_request"]!["head"]!;
        var trigger = Assert.IsType<WebhookParseResult.Trigger>(result);
        Assert.Equal(json["repository"]!["full_name"]!.GetValue<string>(), trigger.RepositoryFullName);
        Assert.Equal(head["ref"]!.GetValue<string>(), trigger.Branch);
        Assert.Null(trigger.Tag);
        Assert.Equal(head["sha"]!.GetValue<string>(), trigger.Revision);
        Assert.Equal("webhook", trigger.TriggerKind);
        Assert.Equal(json["number"]!.ToJsonString(), trigger.PullRequestNumber);
        Assert.Equal(json["sender"]!["login"]!.GetValue<string>(), trigger.ActorLogin);
        Assert.Null(trigger.CommitSubject);
    }
}
