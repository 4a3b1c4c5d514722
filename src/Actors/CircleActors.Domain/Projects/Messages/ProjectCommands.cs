using CircleActors.Domain.Common;

namespace CircleActors.Domain.Projects.Messages;

public interface IWithProjectSlug
{
    ProjectSlug Slug { get; }
}

public interface IProjectCommand : IWithProjectSlug;

public static class ProjectCommands
{
    public sealed record AddProject(ProjectSlug Slug, string RepositoryUrl, string DefaultBranch, string WebhookSecret, Actor Actor)
        : IProjectCommand;

    /// <summary>
    /// The project's settings. With auto-cancel on, a new pipeline on a branch other than the
    /// default one cancels the workflows still running for that branch.
    /// </summary>
    public sealed record ChangeSettings(ProjectSlug Slug, bool AutoCancelRedundantWorkflows, Actor Actor) : IProjectCommand;

    /// <summary>
    /// The workflows a pipeline's config schedules. Only the default branch's config declares a
    /// project's schedules; the project remembers every workflow ever scheduled, so the ones a
    /// later config drops can be told to stop.
    /// </summary>
    public sealed record DeclareScheduledWorkflows(ProjectSlug Slug, string? Branch, IReadOnlyList<string> Workflows) : IProjectCommand;

    /// <summary>
    /// Adds or replaces a project environment variable. The value arrives sealed: whoever sends
    /// the command encrypts it first, so the plaintext is never in a command or an event.
    /// </summary>
    public sealed record SetEnvironmentVariable(ProjectSlug Slug, string Name, SealedValue Value, Actor Actor) : IProjectCommand;

    /// <summary>Removes a project environment variable; removing one that is not there changes nothing.</summary>
    public sealed record DeleteEnvironmentVariable(ProjectSlug Slug, string Name, Actor Actor) : IProjectCommand;

    /// <summary>
    /// Adds an SSH key (a checkout key or an additional key for <c>add_ssh_keys</c>). Its private
    /// half arrives sealed; adding a key whose fingerprint the project already has changes nothing.
    /// </summary>
    public sealed record AddSshKey(ProjectSlug Slug, ProjectSshKey Key, Actor Actor) : IProjectCommand;

    /// <summary>Removes the SSH key named by either of its fingerprints; removing one that is not there changes nothing.</summary>
    public sealed record DeleteSshKey(ProjectSlug Slug, string Fingerprint, Actor Actor) : IProjectCommand;

    /// <summary>Sets or replaces the HTTPS checkout token; the token arrives sealed.</summary>
    public sealed record SetCheckoutToken(ProjectSlug Slug, CheckoutToken Token, Actor Actor) : IProjectCommand;

    public sealed record DeleteCheckoutToken(ProjectSlug Slug, Actor Actor) : IProjectCommand;

    /// <summary>Numbers a pipeline. Idempotent per pipeline id, so a retried trigger gets the same number.</summary>
    public sealed record ReservePipelineNumber(ProjectSlug Slug, PipelineId PipelineId) : IProjectCommand;

    /// <summary>
    /// Reserves consecutive job numbers for a pipeline's jobs. Idempotent per key: the pipeline's
    /// id, or for a workflow rerun the new workflow's id (as a <see cref="PipelineId"/>).
    /// </summary>
    public sealed record ReserveJobNumbers(ProjectSlug Slug, PipelineId PipelineId, int Count) : IProjectCommand;
}

public static class ProjectReplies
{
    public sealed record PipelineNumberReserved(PipelineId PipelineId, long Number);

    public sealed record JobNumbersReserved(PipelineId PipelineId, long First, int Count);

    /// <summary>
    /// Every workflow the project has ever scheduled, or none when the declaration did not come
    /// from the default branch (it then declares nothing).
    /// </summary>
    public sealed record ScheduledWorkflowsKnown(bool FromDefaultBranch, IReadOnlyList<string> Workflows);
}
