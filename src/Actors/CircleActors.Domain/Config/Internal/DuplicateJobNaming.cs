namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// In 2.1, a job invoked more than once in a workflow under the same name is numbered
/// (<c>sayhello-1</c>, <c>sayhello-2</c>), as CircleCI's config processing does; in 2.0 the
/// names stay as written and the graph validator reports the duplicate.
/// </summary>
internal static class DuplicateJobNaming
{
    public static WorkflowDraft Number(WorkflowDraft workflow)
    {
        var duplicated = workflow.Entries
            .GroupBy(entry => entry.Job.Name, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => group.Key)
            .ToHashSet(StringComparer.Ordinal);
        if (duplicated.Count == 0) return workflow;

        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = workflow.Entries.Select(entry =>
        {
            var name = entry.Job.Name;
            if (!duplicated.Contains(name)) return entry;
            counters[name] = counters.GetValueOrDefault(name) + 1;
            return entry with { Job = entry.Job with { Name = $"{name}-{counters[name]}" } };
        }).ToList();
        return workflow with { Entries = entries, NumberedNames = duplicated };
    }
}
