namespace CircleActors.Domain.Config;

/// <summary>
/// What a pipeline knows before its config is processed: the <c>&lt;&lt; pipeline.* &gt;&gt;</c>
/// values and the pipeline parameters it was triggered with. A value left null stays written as
/// <c>&lt;&lt; pipeline.x &gt;&gt;</c> in the processed config.
/// </summary>
public sealed record PipelineValues(
    string? Id = null,
    long? Number = null,
    string? Branch = null,
    string? Tag = null,
    string? Revision = null,
    string? BaseRevision = null,
    string? ProjectGitUrl = null,
    string? ProjectType = null,
    string? TriggerSource = null,
    string? ScheduleName = null,
    string? ScheduleId = null)
{
    public static readonly PipelineValues None = new();

    /// <summary>Every pipeline value CircleCI documents, with its value if known.</summary>
    public IReadOnlyDictionary<string, string?> ByName() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["pipeline.id"] = Id,
        ["pipeline.number"] = Number?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["pipeline.git.branch"] = Branch,
        ["pipeline.git.tag"] = Tag,
        ["pipeline.git.revision"] = Revision,
        ["pipeline.git.base_revision"] = BaseRevision,
        ["pipeline.git.branch.is_default"] = null,
        ["pipeline.project.git_url"] = ProjectGitUrl,
        ["pipeline.project.type"] = ProjectType,
        ["pipeline.trigger_source"] = TriggerSource,
        ["pipeline.schedule.name"] = ScheduleName,
        ["pipeline.schedule.id"] = ScheduleId,
        ["pipeline.trigger_parameters.circleci.trigger_type"] = null,
        ["pipeline.trigger_parameters.circleci.event_type"] = null,
        ["pipeline.trigger_parameters.github_app.branch"] = null,
        ["pipeline.event.name"] = null,
        ["pipeline.event.action"] = null,
    };
}

/// <summary>How a config is processed: the pipeline's values, the parameters it was triggered with, and where registry orbs come from.</summary>
/// <param name="Parameters">Pipeline parameters by name: a string, a bool, or a whole number.</param>
public sealed record ConfigOptions(
    PipelineValues? Values = null,
    IReadOnlyDictionary<string, object>? Parameters = null,
    IOrbRegistry? Orbs = null)
{
    public static readonly ConfigOptions Default = new();
}

/// <summary>
/// Where registry orbs (<c>ns/name@version</c>) come from. The engine only asks; the operator
/// imports orb files into the registry (see <see cref="DirectoryOrbRegistry"/>).
/// </summary>
public interface IOrbRegistry
{
    /// <summary>The orb's YAML source for <paramref name="reference"/> (<c>ns/name@version</c>), or null when it is not there.</summary>
    string? Find(string reference);
}

/// <summary>A registry with no orb in it: every registry orb is reported as missing.</summary>
public sealed class EmptyOrbRegistry : IOrbRegistry
{
    public static readonly EmptyOrbRegistry Instance = new();

    public string? Find(string reference) => null;
}
