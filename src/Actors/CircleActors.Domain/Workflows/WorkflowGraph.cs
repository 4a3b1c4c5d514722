using System.Runtime.CompilerServices;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Workflows;

/// <summary>
/// Which jobs of a workflow require which, by their place in the workflow's list of jobs. A
/// workflow's list never changes once it started, so the graph is built once per list and
/// shared by every decision about that workflow; it holds nothing a state does not.
/// </summary>
public sealed class WorkflowGraph
{
    private static readonly ConditionalWeakTable<IReadOnlyList<PlannedJob>, WorkflowGraph> Built = new();

    private readonly Dictionary<string, int> _places = new();
    private readonly Dictionary<string, List<int>> _dependents = new();

    private WorkflowGraph(IReadOnlyList<PlannedJob> jobs)
    {
        for (var place = 0; place < jobs.Count; place++)
        {
            _places[jobs[place].Name] = place;
            foreach (var required in jobs[place].Requires.Distinct())
            {
                if (!_dependents.TryGetValue(required, out var dependents)) _dependents[required] = dependents = new List<int>();
                dependents.Add(place);
            }
        }
        All = Enumerable.Range(0, jobs.Count).ToArray();
    }

    public static WorkflowGraph Of(IReadOnlyList<PlannedJob> jobs) => Built.GetValue(jobs, list => new WorkflowGraph(list));

    /// <summary>Every job's place, in the workflow's order.</summary>
    public IReadOnlyList<int> All { get; }

    /// <summary>The place of the job of this name in the workflow's list.</summary>
    public int PlaceOf(string jobName) => _places[jobName];

    /// <summary>The places of the jobs that require any of <paramref name="jobNames"/>, each once, in the workflow's order.</summary>
    /// <remarks>Asked on every job's end, mostly for one job or none: only several are merged.</remarks>
    public IReadOnlyList<int> DependentsOf(IEnumerable<string> jobNames)
    {
        List<int>? single = null;
        SortedSet<int>? merged = null;
        foreach (var name in jobNames)
        {
            if (!_dependents.TryGetValue(name, out var dependents)) continue;
            if (single is null) single = dependents;
            else (merged ??= new SortedSet<int>(single)).UnionWith(dependents);
        }
        return merged?.ToArray() ?? (IReadOnlyList<int>?)single ?? [];
    }
}
