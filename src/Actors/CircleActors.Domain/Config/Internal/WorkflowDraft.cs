using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal;

/// <summary>A workflow as read, with the places of its entries so graph errors can point at them.</summary>
/// <param name="NumberedNames">Names invoked more than once that were numbered (<c>name-1</c>, <c>name-2</c>).</param>
internal sealed record WorkflowDraft(string Name, Mark At, IReadOnlyList<WorkflowEntry> Entries, IReadOnlySet<string>? NumberedNames = null)
{
    public WorkflowDefinition ToDefinition() => new(Name, Entries.Select(entry => entry.Job).ToList());
}

/// <summary>One entry of a workflow's <c>jobs:</c> list and where it and each of its requires are written.</summary>
internal sealed record WorkflowEntry(WorkflowJob Job, Mark At, IReadOnlyList<RequiredJob> Requires);

internal sealed record RequiredJob(string Name, Mark At);
