namespace CircleActors.Server.GitHub;

/// <summary>
/// Where commit statuses go: github.com's API (<c>https://api.github.com/</c>) or a GitHub
/// Enterprise server's base URL (Octokit then calls its <c>/api/v3/</c>). The token is never logged.
/// </summary>
/// <param name="PublicUrl">The server's address as users reach it, for the statuses' links.</param>
public sealed record GitHubSettings(Uri ApiUrl, string Token, Uri PublicUrl)
{
    /// <summary>The page a status links to: the web UI's page of the workflow's pipeline, which draws the workflow.</summary>
    public string PipelinePage(Guid pipelineId) => new Uri(PublicUrl, $"pipelines/{pipelineId}").ToString();

    public override string ToString() => $"GitHubSettings {{ ApiUrl = {ApiUrl}, PublicUrl = {PublicUrl} }}";
}
