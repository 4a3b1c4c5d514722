using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Blobs;

/// <summary>
/// The local blob store: a directory under the data directory holding step output, artifacts,
/// caches and workspace layers. Paths are built here only, so the layout is in one place
/// (docs/data-directory.md).
/// </summary>
/// <remarks>
/// A blob becomes visible in one rename: uploads are written under <c>tmp/</c> and moved into
/// place only when complete and checked. Caches and workspace layers also get a metadata file
/// (<c>.json</c>, renamed into place after the blob) holding their length and SHA-256; a blob
/// without one does not exist as far as lookups go.
/// </remarks>
public sealed class BlobStore(string root)
{
    private const string MetadataSuffix = ".json";

    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web);

    public string Root { get; } = root;

    /// <summary>
    /// All of a job's output, every step of every attempt of every parallel task and the agent's
    /// own log of each attempt, in one file of frames (<see cref="Logs.JobLogFile"/>):
    /// <c>logs/jj/job.log</c>. A new file or directory is the costliest part of storing a short
    /// job's output, so a job gets one.
    /// </summary>
    public string JobLogPath(JobId job) => Path.Combine(Root, "logs", job.Value.ToString("N")[..2], job.Value.ToString("N") + ".log");

    /// <summary>Every stream of the job's log as text, as far as it is written; a stream missing from it has printed nothing.</summary>
    public IReadOnlyDictionary<Logs.JobLogFile.Stream, string> ReadLogs(JobId job) =>
        Logs.JobLogFile.ReadAll(JobLogPath(job)).ToDictionary(s => s.Stream, s => Encoding.UTF8.GetString(s.Data));

    /// <summary>One stream of the job's log as text, as far as it is written ("" when nothing is).</summary>
    public string ReadLog(JobId job, int taskIndex, int attempt, int stepIndex) =>
        ReadLogs(job).GetValueOrDefault(new Logs.JobLogFile.Stream(taskIndex, attempt, stepIndex), "");

    /// <summary>Where uploads are written until they are checked; on the same file system as the blobs, so a move is a rename.</summary>
    public string TemporaryPath(Guid upload) => Path.Combine(Root, "tmp", upload.ToString("N"));

    /// <summary>The directory of one task's artifacts: <c>artifacts/jj/job/task/</c>, files below it under their artifact paths.</summary>
    public string ArtifactDirectory(JobId job, int taskIndex) => Path.Combine(JobDirectory("artifacts", job), $"{taskIndex}");

    /// <summary>The file a key names, or the reason the key is refused (nothing may climb out of its directory).</summary>
    public (string? Path, string? Error) PathOf(BlobKey key)
    {
        switch (key.Kind)
        {
            case BlobKind.Artifact:
            {
                if (!Guid.TryParseExact(key.Scope, "N", out var job)) return (null, "an artifact belongs to a job id");
                var slash = key.Name.IndexOf('/');
                if (slash <= 0 || !int.TryParse(key.Name[..slash], out var task) || task < 0) return (null, "an artifact name starts with its task index");
                var relative = key.Name[(slash + 1)..];
                if (!IsSafeRelativePath(relative)) return (null, $"'{relative}' is not a relative artifact path (no empty, '.' or '..' parts)");
                return (Path.Combine(ArtifactDirectory(new JobId(job), task), Path.Combine(relative.Split('/'))), null);
            }
            case BlobKind.Cache:
            {
                if (!ProjectSlug.TryParse(key.Scope, out var project)) return (null, "a cache belongs to a project slug");
                if (key.Name.Length == 0 || key.Name.Length > 1024) return (null, "a cache key has 1 to 1024 characters");
                return (Path.Combine(CacheDirectory(project), Hex(key.Name) + ".tar.gz"), null);
            }
            case BlobKind.WorkspaceLayer:
            {
                if (!Guid.TryParseExact(key.Scope, "N", out var job)) return (null, "a workspace layer belongs to a job id");
                if (!System.Text.RegularExpressions.Regex.IsMatch(key.Name, @"^[0-9]{1,4}-[0-9]{4}$")) return (null, "a workspace layer is named task-step");
                return (Path.Combine(JobDirectory("workspaces", new JobId(job)), key.Name + ".tar.gz"), null);
            }
            default:
                return (null, $"unknown blob kind {key.Kind}");
        }
    }

    /// <summary>Whether lookups describe this kind with a metadata file (archives do; artifacts are served as they are).</summary>
    public static bool HasMetadata(BlobKind kind) => kind is BlobKind.Cache or BlobKind.WorkspaceLayer;

    /// <summary>
    /// Moves a checked upload into place, then (for archives) its metadata. With
    /// <paramref name="overwrite"/> false an existing blob stays and the upload is discarded.
    /// </summary>
    /// <returns>Whether the upload was moved in.</returns>
    public bool Commit(string temporary, string path, BlobInfo info, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!overwrite && (HasMetadata(info.Key.Kind) ? File.Exists(path + MetadataSuffix) : File.Exists(path)))
        {
            File.Delete(temporary);
            return false;
        }
        File.Move(temporary, path, overwrite: true);
        if (HasMetadata(info.Key.Kind))
        {
            var metadata = temporary + MetadataSuffix;
            File.WriteAllBytes(metadata, JsonSerializer.SerializeToUtf8Bytes(info, MetadataJson));
            File.Move(metadata, path + MetadataSuffix, overwrite: true);
        }
        return true;
    }

    /// <summary>The description of a stored archive, or null when there is none (or it is unreadable).</summary>
    public BlobInfo? Describe(BlobKey key)
    {
        var (path, _) = PathOf(key);
        return path is null ? null : ReadMetadata(path + MetadataSuffix);
    }

    /// <summary>The newest cache whose key starts with (or, exact, equals) one of the keys, trying them in order.</summary>
    public BlobInfo? FindCache(ProjectSlug project, IReadOnlyList<string> keys, bool exact)
    {
        var directory = CacheDirectory(project);
        if (!Directory.Exists(directory)) return null;
        var caches = Directory.EnumerateFiles(directory, "*.tar.gz" + MetadataSuffix).Select(ReadMetadata).OfType<BlobInfo>().ToList();
        foreach (var key in keys)
        {
            var match = caches.Where(c => exact ? c.Key.Name == key : c.Key.Name.StartsWith(key, StringComparison.Ordinal))
                .MaxBy(c => c.StoredAt);
            if (match is not null) return match;
        }
        return null;
    }

    /// <summary>Every workspace layer of the jobs, in the jobs' order, each job's by task then step.</summary>
    public IReadOnlyList<BlobInfo> WorkspaceLayers(IEnumerable<JobId> jobs) =>
        jobs.SelectMany(job =>
        {
            var directory = JobDirectory("workspaces", job);
            if (!Directory.Exists(directory)) return [];
            return Directory.EnumerateFiles(directory, "*.tar.gz" + MetadataSuffix).Select(ReadMetadata).OfType<BlobInfo>()
                .OrderBy(l => int.Parse(l.Key.Name.Split('-')[0])).ThenBy(l => l.Key.Name, StringComparer.Ordinal);
        }).ToList();

    /// <summary>Every artifact of the job: task index and path, tasks in order, paths sorted.</summary>
    public IReadOnlyList<(int TaskIndex, string Path)> Artifacts(JobId job)
    {
        var directory = JobDirectory("artifacts", job);
        if (!Directory.Exists(directory)) return [];
        var found = new List<(int, string)>();
        foreach (var task in Directory.EnumerateDirectories(directory))
        {
            if (!int.TryParse(Path.GetFileName(task), out var index)) continue;
            found.AddRange(Directory.EnumerateFiles(task, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Select(f => (index, Path.GetRelativePath(task, f).Replace(Path.DirectorySeparatorChar, '/'))));
        }
        return found.OrderBy(a => a.Item1).ThenBy(a => a.Item2, StringComparer.Ordinal).ToList();
    }

    private static BlobInfo? ReadMetadata(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<BlobInfo>(File.ReadAllBytes(path), MetadataJson) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private static bool IsSafeRelativePath(string path) =>
        path.Length > 0 && !path.Contains('\\') && !path.Contains('\0') && path.Split('/').All(p => p.Length > 0 && p != "." && p != "..");

    private string JobDirectory(string kind, JobId job) => Path.Combine(Root, kind, job.Value.ToString("N")[..2], job.Value.ToString("N"));

    private string CacheDirectory(ProjectSlug project) => Path.Combine(Root, "caches", Hex(project.Value)[..16]);

    private static string Hex(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    /// <summary>Every step's output the job has so far (not the agent's logs), in task, attempt and step order.</summary>
    public IReadOnlyList<(Logs.JobLogFile.Stream Stream, string Text)> StepLogsOf(JobId job) =>
        Logs.JobLogFile.ReadAll(JobLogPath(job)).Where(s => s.Stream.StepIndex != Logs.LogProtocol.AgentLogStep)
            .Select(s => (s.Stream, Encoding.UTF8.GetString(s.Data))).ToList();

    private const string LogLayoutMarker = ".framed-layout";
    /// <summary>The most data one frame of a converted log holds.</summary>
    private const int ConvertedFrameBytes = 1 << 20;

    /// <summary>
    /// Turns the logs of a data directory written before 2026-11-24, a directory per job with a file
    /// per stream (<c>logs/jj/job/task-attempt-step.log</c>, or before 2026-11-23
    /// <c>logs/jj/job/task/attempt/step.log</c>), into the job's one file of frames, and removes
    /// the directory. Run when a services node starts, before logs are read or written; a marker
    /// file makes later starts skip the walk. Each file of frames is written beside its place and
    /// renamed into it, so a start after a crash in the middle finds either the old directory
    /// alone (converted again) or both (the directory is then only removed).
    /// </summary>
    /// <returns>How many jobs' logs were converted.</returns>
    public int ConvertLogsOfEarlierLayouts()
    {
        var logs = Path.Combine(Root, "logs");
        var marker = Path.Combine(logs, LogLayoutMarker);
        if (File.Exists(marker)) return 0;
        var converted = 0;
        if (Directory.Exists(logs))
            foreach (var bucket in Directory.EnumerateDirectories(logs))
            foreach (var jobDirectory in Directory.EnumerateDirectories(bucket))
            {
                var target = jobDirectory + ".log";
                if (!File.Exists(target))
                {
                    var temporary = target + ".converting";
                    using (var file = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
                    {
                        long end = 0;
                        foreach (var (stream, path) in StreamFilesOf(jobDirectory))
                        {
                            var data = File.ReadAllBytes(path);
                            for (var at = 0; at < data.Length; at += ConvertedFrameBytes)
                                end = Logs.JobLogFile.Append(file, end, stream, data.AsSpan(at, Math.Min(ConvertedFrameBytes, data.Length - at)));
                        }
                    }
                    File.Move(temporary, target);
                    converted++;
                }
                Directory.Delete(jobDirectory, recursive: true);
            }
        Directory.CreateDirectory(logs);
        // The marker of the layout before, which this one replaces.
        File.Delete(Path.Combine(logs, ".flat-layout"));
        File.WriteAllText(marker, "logs/jj/job.log\n");
        return converted;
    }

    /// <summary>The stream files of a job directory in either earlier layout, in task, attempt and step order.</summary>
    private static IEnumerable<(Logs.JobLogFile.Stream Stream, string Path)> StreamFilesOf(string jobDirectory)
    {
        static int? Step(string name) => name == "agent" ? Logs.LogProtocol.AgentLogStep : int.TryParse(name, out var step) ? step : null;
        var found = new List<(Logs.JobLogFile.Stream Stream, string Path)>();
        foreach (var file in Directory.EnumerateFiles(jobDirectory, "*.log"))
            if (Path.GetFileNameWithoutExtension(file).Split('-', 3) is [var task, var attempt, var step] &&
                int.TryParse(task, out var taskIndex) && int.TryParse(attempt, out var attemptNumber) && Step(step) is { } stepIndex)
                found.Add((new Logs.JobLogFile.Stream(taskIndex, attemptNumber, stepIndex), file));
        foreach (var taskDirectory in Directory.EnumerateDirectories(jobDirectory))
        {
            if (!int.TryParse(Path.GetFileName(taskDirectory), out var taskIndex)) continue;
            foreach (var attemptDirectory in Directory.EnumerateDirectories(taskDirectory))
            {
                if (!int.TryParse(Path.GetFileName(attemptDirectory), out var attemptNumber)) continue;
                foreach (var file in Directory.EnumerateFiles(attemptDirectory, "*.log"))
                    if (Step(Path.GetFileNameWithoutExtension(file)) is { } stepIndex)
                        found.Add((new Logs.JobLogFile.Stream(taskIndex, attemptNumber, stepIndex), file));
            }
        }
        return found.OrderBy(f => f.Stream.TaskIndex).ThenBy(f => f.Stream.Attempt).ThenBy(f => f.Stream.StepIndex);
    }
}
