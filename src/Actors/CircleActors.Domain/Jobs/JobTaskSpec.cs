using System.Text.Json.Serialization;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;

namespace CircleActors.Domain.Jobs;

/// <summary>
/// Everything an agent needs to run one task of a job (a job with <c>parallelism: N</c> has N
/// tasks). It crosses the wire to the agent, so it carries data only.
/// </summary>
/// <param name="UpstreamJobs">
/// The jobs whose workspace layers <c>attach_workspace</c> applies, in order (see
/// <see cref="WorkspaceLineage"/>); null in specs written before workspaces existed.
/// </param>
public sealed record JobTaskSpec(
    JobId JobId,
    int TaskIndex,
    int Attempt,
    ProjectSlug Project,
    string RepositoryUrl,
    long JobNumber,
    string JobName,
    WorkflowId WorkflowId,
    string WorkflowName,
    PipelineId PipelineId,
    long PipelineNumber,
    string Revision,
    string? Branch,
    string? Tag,
    JobDefinition Job,
    IReadOnlyList<JobId>? UpstreamJobs = null)
{
    [JsonIgnore]
    public int TaskCount => Math.Max(1, Job.Parallelism);
    [JsonIgnore]
    public TaskKey Key => new(JobId, TaskIndex);
}

/// <summary>Names one task of one job.</summary>
public readonly record struct TaskKey(JobId JobId, int TaskIndex)
{
    public override string ToString() => $"{JobId}/{TaskIndex}";
}
