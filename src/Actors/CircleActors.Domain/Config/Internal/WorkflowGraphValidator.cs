namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// Checks that each workflow is a graph CircleCI can run: unique names, jobs that exist,
/// requires that name jobs of the same workflow, and no cycle through requires.
/// </summary>
internal sealed class WorkflowGraphValidator(ConfigDiagnostics diagnostics, IReadOnlySet<string> declaredJobs)
{
    public void Validate(WorkflowDraft workflow)
    {
        var byName = new Dictionary<string, WorkflowEntry>(StringComparer.Ordinal);
        foreach (var entry in workflow.Entries)
        {
            var job = entry.Job;
            if (!byName.TryAdd(job.Name, entry))
                diagnostics.Error(entry.At, $"workflow '{workflow.Name}' already has a job named '{job.Name}'; give this one another name:");
            // Approval jobs need no definition, and orb jobs (orb/job) come with their orb.
            if (!job.IsApproval && !job.JobName.Contains('/') && !declaredJobs.Contains(job.JobName))
                diagnostics.Error(entry.At, $"workflow '{workflow.Name}' runs job '{job.JobName}', which is not defined under jobs:");
        }

        foreach (var entry in workflow.Entries)
        foreach (var required in entry.Requires.Where(required => !byName.ContainsKey(required.Name)))
            diagnostics.Error(required.At, workflow.NumberedNames?.Contains(required.Name) == true
                ? $"job '{entry.Job.Name}' requires '{required.Name}', which workflow '{workflow.Name}' invokes more than once; give the one to require a name:"
                : $"job '{entry.Job.Name}' requires '{required.Name}', which is not a job of workflow '{workflow.Name}'");

        ReportCycles(workflow, byName);
    }

    private void ReportCycles(WorkflowDraft workflow, Dictionary<string, WorkflowEntry> byName)
    {
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        void Visit(WorkflowEntry entry)
        {
            path.Add(entry.Job.Name);
            foreach (var required in entry.Requires)
            {
                if (finished.Contains(required.Name) || !byName.TryGetValue(required.Name, out var dependency)) continue;
                var onPath = path.IndexOf(required.Name);
                if (onPath >= 0)
                {
                    var cycle = string.Join(" -> ", path.Skip(onPath).Append(required.Name));
                    diagnostics.Error(required.At, $"the requires of workflow '{workflow.Name}' form a cycle: {cycle} (each requires the next)");
                    continue;
                }
                Visit(dependency);
            }
            path.RemoveAt(path.Count - 1);
            finished.Add(entry.Job.Name);
        }

        foreach (var entry in workflow.Entries.Where(entry => !finished.Contains(entry.Job.Name)))
            Visit(entry);
    }
}
