using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>
/// Reads <c>workflows:</c>. Entries are a job name or a single-key map of the job name to its
/// settings; keys other than the ones read here are job parameters, which are not applied yet.
/// </summary>
internal sealed class WorkflowReader(NodeReader nodes)
{
    // `workflows: version: 2` is a 2.0 leftover, not a workflow.
    private const string VersionKey = "version";
    private static readonly string[] RequiredStatuses = ["success", "failed", "canceled", "unauthorized", "not_run"];
    // `terminal` is shorthand for every status a finished job can have.
    private const string Terminal = "terminal";

    public List<WorkflowDraft> ReadWorkflows(YamlNode workflowsNode)
    {
        var drafts = new List<WorkflowDraft>();
        var map = nodes.Map(workflowsNode, "workflows");
        if (map is null) return drafts;
        foreach (var (key, value) in map.Entries)
        {
            if (key.Value == VersionKey) continue;
            if (ReadWorkflow(key, value) is { } draft) drafts.Add(draft);
        }
        return drafts;
    }

    private WorkflowDraft? ReadWorkflow(YamlScalarNode key, YamlNode value)
    {
        var name = key.Value ?? "";
        var map = nodes.Map(value, $"workflow '{name}'");
        if (map is null) return null;

        if (NodeReader.IsNull(map["jobs"]))
        {
            nodes.Diagnostics.Error(key.Start, $"workflow '{name}' has no jobs");
            return null;
        }
        var list = nodes.List(map["jobs"]!, $"the jobs of workflow '{name}'");
        if (list is null) return null;
        var entries = list.Children.Select(entry => ReadEntry(entry, name)).OfType<WorkflowEntry>().ToList();
        return new WorkflowDraft(name, key.Start, entries, Schedules: ReadSchedules(map["triggers"], name));
    }

    private WorkflowEntry? ReadEntry(YamlNode node, string workflow)
    {
        if (node is YamlScalarNode)
        {
            var jobName = nodes.Text(node, "a workflow job");
            return jobName is null ? null : new WorkflowEntry(new WorkflowJob(jobName, jobName, []), node.Start, []);
        }

        var map = nodes.Map(node, $"each job of workflow '{workflow}' (a job name, or a job name with settings)");
        if (map is null) return null;
        if (map.Entries.Count != 1)
        {
            nodes.Diagnostics.Error(node.Start, $"a job of workflow '{workflow}' is a single job name with its settings indented below it");
            return null;
        }

        var (key, value) = map.Entries[0];
        var job = key.Value ?? "";
        if (NodeReader.IsNull(value)) return new WorkflowEntry(new WorkflowJob(job, job, []), key.Start, []);
        var settings = nodes.Map(value, $"the settings of job '{job}' in workflow '{workflow}'");
        if (settings is null) return null;

        var requires = NodeReader.IsNull(settings["requires"]) ? [] : ReadRequires(settings["requires"]!, job);
        var type = nodes.OptionalText(settings, "type", "a workflow job's type");
        var workflowJob = new WorkflowJob(
            job,
            nodes.OptionalText(settings, "name", "a workflow job's name") ?? job,
            requires.Select(required => required.Name).ToList(),
            NodeReader.IsNull(settings["filters"]) ? null : ReadFilters(settings["filters"]!, job),
            IsApproval: type == "approval",
            Context: NodeReader.IsNull(settings["context"]) ? null : nodes.TextOrList(settings["context"]!, "a workflow job's context"),
            RequiredStatuses: requires.Any(required => required.Statuses is not null)
                ? requires.Where(required => required.Statuses is not null).ToDictionary(required => required.Name, required => required.Statuses!)
                : null);
        return new WorkflowEntry(workflowJob, key.Start, requires);
    }

    private List<RequiredJob> ReadRequires(YamlNode node, string job)
    {
        var required = new List<RequiredJob>();
        var list = nodes.List(node, $"the requires of job '{job}'");
        if (list is null) return required;
        foreach (var item in list.Children)
        {
            if (item is YamlMappingNode)
            {
                // 2.1 `- other: failed` waits for a given status of the required job.
                foreach (var (name, status) in nodes.Map(item, "a requires entry")?.Entries ?? [])
                    required.Add(new RequiredJob(name.Value ?? "", name.Start, ReadStatuses(status, name.Value ?? "")));
            }
            else if (nodes.Text(item, $"each requires entry of job '{job}'") is { } name)
            {
                required.Add(new RequiredJob(name, item.Start));
            }
        }
        return required;
    }

    private IReadOnlyList<string>? ReadStatuses(YamlNode node, string required)
    {
        var statuses = nodes.TextOrList(node, $"the status required of '{required}'");
        if (statuses is null) return null;
        var invalid = statuses.Where(status => status != Terminal && !RequiredStatuses.Contains(status)).ToList();
        foreach (var status in invalid)
            nodes.Diagnostics.Error(node.Start, $"'{status}' is not a job status to require; use {string.Join(", ", RequiredStatuses)} or {Terminal}");
        if (invalid.Count > 0) return null;
        return statuses.SelectMany(status => status == Terminal ? RequiredStatuses : [status]).Distinct().ToList();
    }

    /// <summary><c>triggers: [{schedule: {cron, filters}}]</c>; the cron itself is checked when the config is processed.</summary>
    private IReadOnlyList<ScheduleTrigger>? ReadSchedules(YamlNode? node, string workflow)
    {
        if (NodeReader.IsNull(node)) return null;
        var list = nodes.List(node!, $"the triggers of workflow '{workflow}'");
        if (list is null) return null;
        var schedules = new List<ScheduleTrigger>();
        foreach (var item in list.Children)
        {
            var schedule = nodes.Map(item, $"a trigger of workflow '{workflow}'")?["schedule"] is { } body ? nodes.Map(body, "a schedule") : null;
            var cron = schedule is null ? null : nodes.OptionalText(schedule, "cron", "a schedule's cron");
            if (schedule is null || cron is null)
            {
                nodes.Diagnostics.Error(item.Start, $"a trigger of workflow '{workflow}' is schedule: with cron: and filters:");
                continue;
            }
            schedules.Add(new ScheduleTrigger(cron, NodeReader.IsNull(schedule["filters"]) ? null : ReadFilters(schedule["filters"]!, $"the schedule of workflow '{workflow}'")));
        }
        return schedules;
    }

    private Filters? ReadFilters(YamlNode node, string job)
    {
        if (node is YamlScalarNode)
        {
            nodes.Diagnostics.Error(node.Start, $"job '{job}' has an expression filter, which is not supported yet; use filters: branches/tags");
            return null;
        }
        var map = nodes.Map(node, $"the filters of job '{job}'");
        if (map is null) return null;
        return new Filters(ReadRefFilter(map["branches"], "branches"), ReadRefFilter(map["tags"], "tags"));
    }

    private RefFilter? ReadRefFilter(YamlNode? node, string what)
    {
        if (NodeReader.IsNull(node)) return null;
        var map = nodes.Map(node!, $"a {what} filter (with only: and/or ignore:)");
        if (map is null) return null;
        return new RefFilter(ReadPatterns(map["only"], $"{what} only"), ReadPatterns(map["ignore"], $"{what} ignore"));
    }

    private IReadOnlyList<string>? ReadPatterns(YamlNode? node, string what)
    {
        if (NodeReader.IsNull(node)) return null;
        var patterns = nodes.TextOrList(node!, what);
        if (patterns is null) return null;
        var items = node is YamlSequenceNode list ? list.Children : [node!];
        foreach (var (pattern, item) in patterns.Zip(items))
        {
            if (RefPattern.Problem(pattern) is { } problem)
                nodes.Diagnostics.Error(item.Start, $"the {what} pattern {pattern} is not a valid regular expression: {problem}");
        }
        return patterns;
    }
}
