using CircleActors.Domain.Config;

namespace CircleActors.Domain.Schedules;

/// <summary>The branches a fired time runs on: those of the repository its triggers' branch filters admit.</summary>
public static class ScheduledBranches
{
    /// <summary>A trigger without a branches filter runs on the default branch, since a schedule has no push to take a branch from.</summary>
    public static IReadOnlyList<string> Select(IReadOnlyList<Filters?> filters, IReadOnlyCollection<string> repositoryBranches, string defaultBranch) =>
        filters
            .SelectMany(filter => filter?.Branches is null
                ? [defaultBranch]
                : repositoryBranches.Where(branch => WorkflowFilter.Admits(filter, GitRef.Branch(branch))))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
}
