using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Workflows;

/// <summary>
/// Plans a rerun of an ended workflow, as CircleCI does: a new workflow in the same pipeline.
/// A full rerun runs every job again. From failed, and for chosen jobs, the jobs to run again
/// are those (the failed ones, or the chosen ones) and everything downstream of them; every
/// other job that succeeded is reused, so its result (and later its workspace) stands.
/// </summary>
public static class WorkflowRerun
{
    public enum Mode { All, FromFailed, Jobs }

    public sealed record Plan(WorkflowId WorkflowId, string Name, IReadOnlyList<PlannedJob> Jobs, int JobNumbersNeeded);

    /// <summary>The plan, or the reason a rerun is refused (the workflow still runs, nothing failed, an unknown job).</summary>
    /// <remarks>A reused job points at the job that ran, never at an earlier reuse of it, so its results (and workspace) are found however many reruns deep.</remarks>
    public static (Plan? Plan, Rejected? Refusal) Decide(WorkflowState source, WorkflowId newId, Mode mode, IReadOnlyCollection<JobId>? chosen = null)
    {
        if (!source.Exists) return (null, new Rejected(RejectionKind.NotFound, $"workflow {source.Id} not found"));
        if (!source.IsFinished)
            return (null, new Rejected(RejectionKind.Conflict, $"workflow {source.Started!.Name} is still {WorkflowDecider.CurrentStatus(source).ToWire()}: rerun it once it has ended"));

        var jobs = source.Jobs;
        IEnumerable<string> seeds = mode switch
        {
            Mode.FromFailed => jobs.Where(j => IsFailure(source.JobStatuses[j.Name])).Select(j => j.Name),
            Mode.Jobs => jobs.Where(j => chosen!.Contains(j.JobId)).Select(j => j.Name),
            _ => jobs.Select(j => j.Name),
        };
        var rerun = seeds.ToHashSet();
        if (mode == Mode.FromFailed && rerun.Count == 0)
            return (null, new Rejected(RejectionKind.Conflict, $"workflow {source.Started!.Name} has no failed job to rerun"));
        if (mode == Mode.Jobs && (chosen is null || rerun.Count != chosen.Count))
            return (null, new Rejected(RejectionKind.Invalid, "jobs must name jobs of this workflow"));

        // Everything downstream of a job that runs again runs again too.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var job in jobs)
                if (!rerun.Contains(job.Name) && job.Requires.Any(rerun.Contains))
                    grew = rerun.Add(job.Name);
        }
        // A job that is not rerun but did not succeed (it never ran) runs this time.
        foreach (var job in jobs.Where(j => !rerun.Contains(j.Name) && source.JobStatuses[j.Name] != JobStatus.Success))
            rerun.Add(job.Name);
        // Keep closing downstream after those additions.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var job in jobs)
                if (!rerun.Contains(job.Name) && job.Requires.Any(rerun.Contains))
                    grew = rerun.Add(job.Name);
        }

        var planned = jobs.Select(job => rerun.Contains(job.Name)
            ? job with { JobId = DerivedIds.Job(newId, job.Name), JobNumber = null, ReusedFrom = null }
            : job with { JobId = DerivedIds.Job(newId, job.Name), ReusedFrom = job.ReusedFrom ?? job.JobId }).ToList();
        var needed = planned.Count(j => j.ReusedFrom is null && !j.IsApproval);
        return (new Plan(newId, source.Started!.Name, planned, needed), null);
    }

    /// <summary>Gives the jobs that run again their numbers, consecutively from <paramref name="first"/>.</summary>
    public static IReadOnlyList<PlannedJob> Number(IReadOnlyList<PlannedJob> jobs, long first)
    {
        var next = first;
        return jobs.Select(j => j.ReusedFrom is null && !j.IsApproval ? j with { JobNumber = next++ } : j).ToList();
    }

    private static bool IsFailure(JobStatus status) => status.IsTerminal() && !status.IsSuccessful();
}
