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

    public sealed record StepLog(int TaskIndex, int Attempt, int StepIndex, string Path);

    /// <summary>Every step log a job has so far, in task, attempt and step order.</summary>
    public IReadOnlyList<StepLog> StepLogsOf(Domain.Common.JobId job)
    {
        var jobDirectory = Path.GetDirectoryName(Path.GetDirectoryName(TaskLogDirectory(job, 0, 0)))!;
        if (!Directory.Exists(jobDirectory)) return [];
        var logs = new List<StepLog>();
        foreach (var taskDirectory in Directory.EnumerateDirectories(jobDirectory))
        foreach (var attemptDirectory in Directory.EnumerateDirectories(taskDirectory))
        foreach (var file in Directory.EnumerateFiles(attemptDirectory, "*.log"))
            if (int.TryParse(Path.GetFileName(taskDirectory), out var task) && int.TryParse(Path.GetFileName(attemptDirectory), out var attempt) &&
                int.TryParse(Path.GetFileNameWithoutExtension(file), out var step))
                logs.Add(new StepLog(task, attempt, step, file));
        return logs.OrderBy(l => l.TaskIndex).ThenBy(l => l.Attempt).ThenBy(l => l.StepIndex).ToList();
    }
}
