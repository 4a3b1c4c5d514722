namespace CircleActors.Domain.Config;

/// <summary>
/// Decides which workflow jobs a pipeline runs for its branch or tag, with CircleCI's filter rules:
/// branch filters only apply to branch pipelines; a tag pipeline runs only jobs whose tags filter
/// admits the tag; a job whose required job does not run does not run either.
/// </summary>
public static class WorkflowFilter
{
    /// <summary>The workflows that run, each with only its running jobs; workflows left empty are dropped.</summary>
    public static IReadOnlyList<WorkflowDefinition> Select(PipelineConfig config, GitRef gitRef) =>
        config.Workflows
            // A scheduled workflow runs on its schedule only, never on a push.
            .Where(workflow => workflow.ConditionHolds && workflow.Schedules is not { Count: > 0 })
            .Select(workflow => workflow with { Jobs = RunningJobs(workflow, gitRef) })
            .Where(workflow => workflow.Jobs.Count > 0)
            .ToList();

    /// <summary>
    /// What a scheduled pipeline runs: the named workflow alone, if the config at the branch still
    /// schedules it, with its jobs filtered for the branch as on a push.
    /// </summary>
    public static IReadOnlyList<WorkflowDefinition> SelectScheduled(PipelineConfig config, string workflowName, GitRef gitRef) =>
        config.Workflows
            .Where(workflow => workflow.Name == workflowName && workflow.ConditionHolds && workflow.Schedules is { Count: > 0 })
            .Select(workflow => workflow with { Jobs = RunningJobs(workflow, gitRef) })
            .Where(workflow => workflow.Jobs.Count > 0)
            .ToList();

    /// <summary>The scheduled workflows of a config with their triggers, as the default branch declares them.</summary>
    public static IReadOnlyList<WorkflowSchedule> Schedules(PipelineConfig config) =>
        config.Workflows
            .Where(workflow => workflow.Schedules is { Count: > 0 })
            .Select(workflow => new WorkflowSchedule(workflow.Name, workflow.Schedules!))
            .ToList();

    /// <summary>Whether a job's own filters admit the ref, before looking at the jobs it requires.</summary>
    public static bool Admits(Filters? filters, GitRef gitRef) => gitRef.Kind switch
    {
        // A job with no branches filter runs on every branch, even if it has a tags filter.
        GitRefKind.Branch => filters?.Branches is not { } branches || Admits(branches, gitRef.Name),
        // CircleCI runs nothing for a tag unless a tags filter says so.
        _ => filters?.Tags is { } tags && (tags.Only is not null || tags.Ignore is not null) && Admits(tags, gitRef.Name),
    };

    /// <summary><c>only</c> is considered before <c>ignore</c>: a name must match an only pattern and no ignore pattern.</summary>
    private static bool Admits(RefFilter filter, string name) =>
        (filter.Only is null || filter.Only.Any(pattern => RefPattern.Matches(pattern, name)))
        && (filter.Ignore is null || !filter.Ignore.Any(pattern => RefPattern.Matches(pattern, name)));

    private static List<WorkflowJob> RunningJobs(WorkflowDefinition workflow, GitRef gitRef)
    {
        var byName = new Dictionary<string, WorkflowJob>(StringComparer.Ordinal);
        foreach (var job in workflow.Jobs) byName.TryAdd(job.Name, job);

        var decided = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Runs(WorkflowJob job)
        {
            if (decided.TryGetValue(job.Name, out var known)) return known;
            // Provisionally false, so a requires cycle (rejected by the parser) cannot recurse forever.
            decided[job.Name] = false;
            var runs = Admits(job.Filters, gitRef)
                && job.Requires.All(required => byName.TryGetValue(required, out var dependency) && Runs(dependency));
            decided[job.Name] = runs;
            return runs;
        }

        return workflow.Jobs.Where(Runs).ToList();
    }
}
