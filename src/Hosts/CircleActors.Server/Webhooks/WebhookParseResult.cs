namespace CircleActors.Server.Webhooks;

/// <summary>
/// What one GitHub delivery means to CircleActors. A closed set: the private constructor keeps
/// every outcome in this file, so a switch over the four cases is exhaustive.
/// </summary>
public abstract record WebhookParseResult
{
    private WebhookParseResult() { }

    /// <summary>GitHub checking that the hook is reachable; answer 2xx and do nothing else.</summary>
    public sealed record Ping : WebhookParseResult;

    /// <summary>A well-formed delivery that starts no pipeline (a deleted ref, a closed pull request, an event we don't handle).</summary>
    public sealed record Ignored(string Reason) : WebhookParseResult;

    /// <summary>
    /// A delivery that should start a pipeline on <paramref name="Revision"/>. Exactly one of
    /// <paramref name="Branch"/> and <paramref name="Tag"/> is set.
    /// </summary>
    /// <param name="RepositoryFullName"><c>owner/name</c> of the repository the hook belongs to (the base repository for a pull request).</param>
    /// <param name="Revision">The commit sha to build, as GitHub sent it.</param>
    /// <param name="PullRequestNumber">Set for pull_request deliveries only.</param>
    /// <param name="ActorLogin">The GitHub login of whoever caused the delivery, when the payload names one.</param>
    /// <param name="CommitSubject">The first line of the head commit's message, when the payload carries one (pushes).</param>
    public sealed record Trigger(
        string RepositoryFullName,
        string? Branch,
        string? Tag,
        string Revision,
        string? PullRequestNumber,
        string? ActorLogin,
        string? CommitSubject) : WebhookParseResult
    {
        /// <summary>The pipeline trigger type every webhook-started pipeline records.</summary>
        public const string WebhookTriggerKind = "webhook";

        // Fixed rather than a parameter, so no caller can build a webhook trigger that claims another origin.
        public string TriggerKind => WebhookTriggerKind;
    }

    /// <summary>A delivery that breaks GitHub's payload contract; <paramref name="Reason"/> names the field at fault.</summary>
    public sealed record Malformed(string Reason) : WebhookParseResult;
}
