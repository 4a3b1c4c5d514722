using CircleActors.Domain.Common;

namespace CircleActors.Domain.Projects.Messages;

public static class ProjectQueries
{
    public sealed record GetProject(ProjectSlug Slug) : IProjectCommand;
}
