using System.Collections.Immutable;
using CircleActors.Domain.Common;
using static CircleActors.Domain.Projects.Messages.ProjectEvents;

namespace CircleActors.Domain.Projects;

/// <summary>A project, its counters and its sealed environment variables. <see cref="Empty"/> until it is added.</summary>
/// <param name="EnvironmentVariables">By name; null in snapshots taken before there were any.</param>
/// <param name="SshKeyList">In the order they were added; null in snapshots taken before there were any.</param>
/// <param name="HttpsCheckoutToken">The token an https:// checkout authenticates with, if any.</param>
public sealed record ProjectState(
    ProjectSlug Slug,
    bool Exists,
    string RepositoryUrl,
    string DefaultBranch,
    string WebhookSecret,
    long LastPipelineNumber,
    long LastJobNumber,
    ImmutableDictionary<PipelineId, long> PipelineNumbers,
    ImmutableDictionary<PipelineId, (long First, int Count)> JobNumberBlocks,
    bool AutoCancelRedundantWorkflows = false,
    IReadOnlyList<string>? ScheduledWorkflows = null,
    ImmutableSortedDictionary<string, SealedValue>? EnvironmentVariables = null,
    ImmutableList<ProjectSshKey>? SshKeyList = null,
    CheckoutToken? HttpsCheckoutToken = null)
{
    /// <summary>Every workflow the default branch has ever scheduled, in name order.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> KnownScheduledWorkflows => ScheduledWorkflows ?? [];

    public ImmutableSortedDictionary<string, SealedValue> Variables =>
        EnvironmentVariables ?? ImmutableSortedDictionary.Create<string, SealedValue>(StringComparer.Ordinal);

    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableList<ProjectSshKey> SshKeys => SshKeyList ?? [];

    /// <summary>The key a checkout over SSH uses: the newest checkout key, as the one added last is the one meant.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ProjectSshKey? PreferredCheckoutKey => SshKeys.LastOrDefault(k => k.IsCheckoutKey);

    public ProjectSshKey? FindSshKey(string fingerprint) => SshKeys.FirstOrDefault(k => k.IsNamedBy(fingerprint));

    public static ProjectState Empty(ProjectSlug slug) =>
        new(slug, false, "", "", "", 0, 0, ImmutableDictionary<PipelineId, long>.Empty,
            ImmutableDictionary<PipelineId, (long, int)>.Empty);

    public ProjectState Apply(object @event) => @event switch
    {
        ProjectAdded e when !Exists => this with
        {
            Exists = true, RepositoryUrl = e.RepositoryUrl, DefaultBranch = e.DefaultBranch, WebhookSecret = e.WebhookSecret,
        },
        PipelineNumberReserved e when Exists && e.Number == LastPipelineNumber + 1 && !PipelineNumbers.ContainsKey(e.PipelineId) => this with
        {
            LastPipelineNumber = e.Number, PipelineNumbers = PipelineNumbers.Add(e.PipelineId, e.Number),
        },
        JobNumbersReserved e when Exists && e.First == LastJobNumber + 1 && e.Count >= 0 && !JobNumberBlocks.ContainsKey(e.PipelineId) => this with
        {
            LastJobNumber = e.First + e.Count - 1, JobNumberBlocks = JobNumberBlocks.Add(e.PipelineId, (e.First, e.Count)),
        },
        ScheduledWorkflowsDeclared e when Exists => this with
        {
            ScheduledWorkflows = KnownScheduledWorkflows.Union(e.Workflows, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        },
        EnvironmentVariableSet e when Exists => this with { EnvironmentVariables = Variables.SetItem(e.Name, e.Value) },
        EnvironmentVariableDeleted e when Exists && Variables.ContainsKey(e.Name) => this with { EnvironmentVariables = Variables.Remove(e.Name) },
        SshKeyAdded e when Exists && FindSshKey(e.Key.Md5Fingerprint) is null => this with { SshKeyList = SshKeys.Add(e.Key) },
        SshKeyDeleted e when Exists && FindSshKey(e.Md5Fingerprint) is { } key => this with { SshKeyList = SshKeys.Remove(key) },
        CheckoutTokenSet e when Exists => this with { HttpsCheckoutToken = e.Token },
        CheckoutTokenDeleted when Exists && HttpsCheckoutToken is not null => this with { HttpsCheckoutToken = null },
        ProjectSettingsChanged e when Exists => this with { AutoCancelRedundantWorkflows = e.AutoCancelRedundantWorkflows },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to project {Slug} in its current state"),
    };
}
