using CircleActors.Domain.Common;
using CircleActors.Domain.Projects.Messages;

namespace CircleActors.Actors.Projects;

/// <summary>
/// How an agent gets a project's environment variables when a task starts: it asks the project
/// entity, which opens the sealed values with the installation's key and answers in memory. The
/// plaintext exists only in that answer (inside the cluster) and in the agent's memory; nothing
/// about it is journaled. See docs/decisions/project-environment-variables.md.
/// </summary>
public static class ProjectEnvironmentProtocol
{
    /// <summary>Asked by an agent at the start of a task (step 0); answered with <see cref="ProjectEnvironment"/> or <see cref="Rejected"/>.</summary>
    public sealed record GetProjectEnvironment(ProjectSlug Slug) : IWithProjectSlug;

    /// <summary>The project's variables in plaintext. Never logged: its text shows the names only.</summary>
    public sealed record ProjectEnvironment(ProjectSlug Slug, IReadOnlyDictionary<string, string> Variables)
    {
        public override string ToString() => $"ProjectEnvironment {{ Slug = {Slug}, Names = [{string.Join(", ", Variables.Keys)}] }}";
    }
}
