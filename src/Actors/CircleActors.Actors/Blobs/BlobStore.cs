namespace CircleActors.Actors.Blobs;

/// <summary>
/// The local blob store: a directory under the data directory holding step output (and later
/// artifacts, caches and workspaces). Paths are built here only, so the layout is in one place
/// (docs/data-directory.md).
/// </summary>
public sealed class BlobStore(string root)
{
    public string Root { get; } = root;

    /// <summary>The output of one step of one attempt of one task.</summary>
    public string StepLogPath(Domain.Common.JobId job, int taskIndex, int attempt, int stepIndex) =>
        Path.Combine(Root, "logs", job.Value.ToString("N")[..2], job.Value.ToString("N"), $"{taskIndex}", $"{attempt}", $"{stepIndex:D4}.log");

    public string TaskLogDirectory(Domain.Common.JobId job, int taskIndex, int attempt) =>
        Path.GetDirectoryName(StepLogPath(job, taskIndex, attempt, 0))!;
}
