using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Jobs;

/// <summary>
/// Which jobs' <c>persist_to_workspace</c> layers a job's <c>attach_workspace</c> sees: every
/// job it requires, directly or through others, in the workflow's order (a job after all it
/// requires), so a later layer overwrites an earlier one. A job reused by a rerun contributes
/// the layers of the job that actually ran.
/// </summary>
public static class WorkspaceLineage
{
    public static IReadOnlyList<JobId> UpstreamOf(IReadOnlyList<PlannedJob> jobs, string jobName)
    {
        // Most jobs of a wide workflow require nothing: indexing every job for each of them made
        // planning a 400-job workflow's tasks quadratic.
        if (!jobs.Any(j => j.Name == jobName && j.Requires.Count > 0)) return [];
        var byName = jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
        var upstream = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(byName.TryGetValue(jobName, out var start) ? start.Requires : []);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!byName.TryGetValue(name, out var job) || !upstream.Add(name)) continue;
            foreach (var required in job.Requires) pending.Push(required);
        }

        // Topological order, ties broken by the order of the workflow's jobs, so the result is stable.
        var ordered = new List<PlannedJob>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < upstream.Count)
        {
            var next = jobs.First(j => upstream.Contains(j.Name) && !placed.Contains(j.Name)
                && j.Requires.Where(upstream.Contains).All(placed.Contains));
            ordered.Add(next);
            placed.Add(next.Name);
        }
        return ordered.Where(j => !j.IsApproval).Select(j => j.ReusedFrom ?? j.JobId).ToList();
    }
}
