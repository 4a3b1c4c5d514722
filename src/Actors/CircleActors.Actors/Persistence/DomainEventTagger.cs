using Akka.Persistence.Journal;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.TestResults.Messages;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Persistence;

/// <summary>
/// Tags every domain event with its aggregate type. Projections read by tag, never all events,
/// so nothing sharding or the runtime writes can leak into read models or the audit log.
/// </summary>
public sealed class DomainEventTagger : IWriteEventAdapter
{
    public const string ProjectTag = "project";
    public const string PipelineTag = "pipeline";
    public const string WorkflowTag = "workflow";
    public const string JobTag = "job";
    /// <summary>Stored test cases: read by their own projection only, never by the audit log.</summary>
    public const string TestResultsTag = "test-results";

    public static readonly IReadOnlyList<string> AllTags = [ProjectTag, PipelineTag, WorkflowTag, JobTag];

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => TagOf(evt) is { } tag ? new Tagged(evt, [tag]) : evt;

    public static string? TagOf(object evt) => evt switch
    {
        IProjectEvent => ProjectTag,
        IPipelineEvent => PipelineTag,
        IWorkflowEvent => WorkflowTag,
        IJobEvent => JobTag,
        ITestResultsEvent => TestResultsTag,
        _ => null,
    };
}
