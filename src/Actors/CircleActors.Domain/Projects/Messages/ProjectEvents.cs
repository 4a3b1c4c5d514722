using CircleActors.Domain.Common;

namespace CircleActors.Domain.Projects.Messages;

public interface IProjectEvent : IWithProjectSlug;

public static class ProjectEvents
{
    public sealed record ProjectAdded(
        ProjectSlug Slug, string RepositoryUrl, string DefaultBranch, string WebhookSecret, Actor Actor, DateTimeOffset At)
        : IProjectEvent;

    public sealed record ProjectSettingsChanged(ProjectSlug Slug, bool AutoCancelRedundantWorkflows, Actor Actor, DateTimeOffset At) : IProjectEvent;

    /// <summary>Workflows the default branch's config scheduled for the first time.</summary>
    public sealed record ScheduledWorkflowsDeclared(ProjectSlug Slug, IReadOnlyList<string> Workflows, DateTimeOffset At) : IProjectEvent;

    /// <summary>A project environment variable was added or replaced; only its sealed value is recorded.</summary>
    public sealed record EnvironmentVariableSet(ProjectSlug Slug, string Name, SealedValue Value, Actor Actor, DateTimeOffset At) : IProjectEvent;

    public sealed record EnvironmentVariableDeleted(ProjectSlug Slug, string Name, Actor Actor, DateTimeOffset At) : IProjectEvent;

    /// <summary>An SSH key was added; only its private half's sealed form is recorded.</summary>
    public sealed record SshKeyAdded(ProjectSlug Slug, ProjectSshKey Key, Actor Actor, DateTimeOffset At) : IProjectEvent;

    public sealed record SshKeyDeleted(ProjectSlug Slug, string Md5Fingerprint, Actor Actor, DateTimeOffset At) : IProjectEvent;

    /// <summary>The HTTPS checkout token was set or replaced; only its sealed form is recorded.</summary>
    public sealed record CheckoutTokenSet(ProjectSlug Slug, CheckoutToken Token, Actor Actor, DateTimeOffset At) : IProjectEvent;

    public sealed record CheckoutTokenDeleted(ProjectSlug Slug, Actor Actor, DateTimeOffset At) : IProjectEvent;

    public sealed record PipelineNumberReserved(ProjectSlug Slug, PipelineId PipelineId, long Number, DateTimeOffset At)
        : IProjectEvent;

    public sealed record JobNumbersReserved(ProjectSlug Slug, PipelineId PipelineId, long First, int Count, DateTimeOffset At)
        : IProjectEvent;
}
