using System.Text;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Tests.Blobs;

/// <summary>The blob store's layout rules: keys never climb out, uploads appear whole, caches are found newest first.</summary>
public sealed class BlobStoreSpecs : IDisposable
{
    private static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("circleactors-blobstore-");
    private readonly BlobStore _store;

    public BlobStoreSpecs() => _store = new BlobStore(_root.FullName);

    public void Dispose() => _root.Delete(recursive: true);

    public static TheoryData<string> ClimbingArtifactPaths => new() { "../x", "a/../../x", "./x", "a//b", "", "a\\..\\x" };

    [Theory]
    [MemberData(nameof(ClimbingArtifactPaths))]
    public void An_artifact_path_with_empty_dot_or_dot_dot_parts_is_refused(string path)
    {
        var (file, error) = _store.PathOf(BlobKey.Artifact(new JobId(Guid.NewGuid()), 0, path));
        Assert.Null(file);
        Assert.NotNull(error);
    }

    [Fact]
    public void Keys_of_other_kinds_are_checked_too()
    {
        Assert.NotNull(_store.PathOf(new BlobKey(BlobKind.WorkspaceLayer, Guid.NewGuid().ToString("N"), "../0-0001")).Error);
        Assert.NotNull(_store.PathOf(new BlobKey(BlobKind.Cache, "not-a-slug", "key")).Error);
        Assert.NotNull(_store.PathOf(new BlobKey(BlobKind.Artifact, "../../etc", "0/x")).Error);
        // A cache key is hashed into its file name, whatever it holds.
        var (cache, _) = _store.PathOf(BlobKey.Cache(Project, "../../../etc/passwd"));
        Assert.StartsWith(Path.Combine(_root.FullName, "caches"), cache);
    }

    [Fact]
    public void A_committed_cache_is_found_by_prefix_newest_first_and_never_replaced()
    {
        Store(BlobKey.Cache(Project, "deps-main-1"), "one", DateTimeOffset.UnixEpoch.AddDays(1));
        Store(BlobKey.Cache(Project, "deps-main-2"), "two", DateTimeOffset.UnixEpoch.AddDays(2));
        Store(BlobKey.Cache(Project, "deps-other"), "other", DateTimeOffset.UnixEpoch.AddDays(3));

        Assert.Equal("deps-main-2", _store.FindCache(Project, ["nothing", "deps-main-", "deps-"], exact: false)!.Key.Name);
        Assert.Equal("deps-other", _store.FindCache(Project, ["deps-"], exact: false)!.Key.Name);
        Assert.Equal("deps-main-1", _store.FindCache(Project, ["deps-main-1"], exact: true)!.Key.Name);
        Assert.Null(_store.FindCache(Project, ["deps-main"], exact: true));
        Assert.Null(_store.FindCache(ProjectSlug.Parse("gh/acme/other"), ["deps-"], exact: false));

        Assert.False(Store(BlobKey.Cache(Project, "deps-main-1"), "replaced", DateTimeOffset.UnixEpoch.AddDays(4)));
        var (path, _) = _store.PathOf(BlobKey.Cache(Project, "deps-main-1"));
        Assert.Equal("one", File.ReadAllText(path!));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root.FullName, "tmp")));
    }

    [Fact]
    public void Workspace_layers_come_in_the_jobs_order_then_by_task_and_step()
    {
        var first = new JobId(Guid.NewGuid());
        var second = new JobId(Guid.NewGuid());
        Store(BlobKey.WorkspaceLayer(second, 0, 3), "s", DateTimeOffset.UnixEpoch);
        Store(BlobKey.WorkspaceLayer(first, 1, 2), "f12", DateTimeOffset.UnixEpoch);
        Store(BlobKey.WorkspaceLayer(first, 0, 7), "f07", DateTimeOffset.UnixEpoch);

        Assert.Equal(["0-0007", "1-0002", "0-0003"], _store.WorkspaceLayers([first, second]).Select(l => l.Key.Name));
        Assert.Empty(_store.WorkspaceLayers([new JobId(Guid.NewGuid())]));
    }

    [Fact]
    public void A_jobs_logs_are_one_file_whose_step_logs_are_listed_in_task_attempt_and_step_order_without_the_agents_log()
    {
        var job = new JobId(Guid.NewGuid());
        var path = _store.JobLogPath(job);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            long end = 0;
            foreach (var (task, attempt, step) in new[] { (1, 1, 0), (0, 2, 1), (0, 1, 10), (0, 1, 2), (0, 1, LogProtocol.AgentLogStep), (0, 1, 2) })
                end = JobLogFile.Append(file, end, new JobLogFile.Stream(task, attempt, step), Encoding.UTF8.GetBytes($"{task} {attempt} {step}."));
        }

        Assert.Equal([(0, 1, 2), (0, 1, 10), (0, 2, 1), (1, 1, 0)], _store.StepLogsOf(job).Select(l => (l.Stream.TaskIndex, l.Stream.Attempt, l.Stream.StepIndex)));
        Assert.Equal("0 1 2.0 1 2.", _store.ReadLog(job, 0, 1, 2));
        Assert.Equal("0 1 -1.", _store.ReadLog(job, 0, 1, LogProtocol.AgentLogStep));
        Assert.Equal("", _store.ReadLog(job, 0, 1, 3));
        Assert.Equal("1 2.0", Encoding.UTF8.GetString(JobLogFile.Read(path, new JobLogFile.Stream(0, 1, 2), offset: 2, count: 5)));
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Logs_in_either_earlier_layout_become_one_file_per_job_once_and_a_conversion_cut_short_is_finished()
    {
        string JobDirectory(JobId job) => Path.Combine(_root.FullName, "logs", job.Value.ToString("N")[..2], job.Value.ToString("N"));
        // Before 2026-11-23: a directory per task and attempt; with one file already moved when a start was cut short.
        var oldest = new JobId(Guid.NewGuid());
        WriteFile(Path.Combine(JobDirectory(oldest), "0", "1", "0000.log"), "spin up");
        WriteFile(Path.Combine(JobDirectory(oldest), "0", "1", "agent.log"), "assigned");
        WriteFile(Path.Combine(JobDirectory(oldest), "0", "2", "0001.log"), "second attempt");
        WriteFile(Path.Combine(JobDirectory(oldest), "0-1-0001.log"), "moved already");
        // Until 2026-11-24: a file per stream in the job's directory.
        var flat = new JobId(Guid.NewGuid());
        WriteFile(Path.Combine(JobDirectory(flat), "1-1-0000.log"), "task 1");
        WriteFile(Path.Combine(JobDirectory(flat), "0-1-agent.log"), "agent");
        // Converted, but its directory was not yet removed when the start was cut short.
        var converted = new JobId(Guid.NewGuid());
        WriteFile(Path.Combine(JobDirectory(converted), "0-1-0000.log"), "converted before");
        File.Copy(Path.Combine(JobDirectory(flat), "1-1-0000.log"), JobDirectory(converted) + ".log");

        Assert.Equal(2, _store.ConvertLogsOfEarlierLayouts());

        Assert.Equal(["spin up", "moved already", "second attempt"], _store.StepLogsOf(oldest).Select(l => l.Text));
        Assert.Equal("assigned", _store.ReadLog(oldest, 0, 1, LogProtocol.AgentLogStep));
        Assert.Equal(["task 1"], _store.StepLogsOf(flat).Select(l => l.Text));
        Assert.Equal("agent", _store.ReadLog(flat, 0, 1, LogProtocol.AgentLogStep));
        Assert.False(Directory.Exists(JobDirectory(oldest)));
        Assert.False(Directory.Exists(JobDirectory(converted)));
        Assert.Equal("task 1", File.ReadAllText(JobDirectory(converted) + ".log"));
        // Later starts find the marker and do not walk the logs again.
        WriteFile(Path.Combine(JobDirectory(oldest), "0-3-0000.log"), "written by hand");
        Assert.Equal(0, _store.ConvertLogsOfEarlierLayouts());
    }

    private static void WriteFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private bool Store(BlobKey key, string content, DateTimeOffset at)
    {
        var temporary = _store.TemporaryPath(Guid.NewGuid());
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        File.WriteAllText(temporary, content);
        var (path, _) = _store.PathOf(key);
        return _store.Commit(temporary, path!, new BlobInfo(key, content.Length, "sha", at), overwrite: key.Kind != BlobKind.Cache);
    }
}
