using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal;

/// <summary>A workflow as read, with the places of its entries so graph errors can point at them.</summary>
/// <param name="NumberedNames">Names invoked more than once that were numbered (<c>name-1</c>, <c>name-2</c>).</param>
internal sealed record WorkflowDraft(
    string Name, Mark At, IReadOnlyList<WorkflowEntry> Entries, IReadOnlySet<string>? NumberedNames = null, IReadOnlyList<ScheduleTrigger>? Schedules = null)
{
    public WorkflowDefinition ToDefinition() => new(Name, Entries.Select(entry => entry.Job).ToList(), Schedules: Schedules);
}

/// <summary>One entry of a workflow's <c>jobs:</c> list and where it and each of its requires are written.</summary>
internal sealed record WorkflowEntry(WorkflowJob Job, Mark At, IReadOnlyList<RequiredJob> Requires);

/// <param name="Statuses">The statuses the 2.1 map form waits for; null for the default, success.</param>
internal sealed record RequiredJob(string Name, Mark At, IReadOnlyList<string>? Statuses = null);
