using System.Diagnostics;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>A real git repository in a temp directory, for pipelines to read and check out.</summary>
public sealed class GitRepository : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ca-e2e-repo-").FullName;

    public GitRepository(string branch = "main") => Git("init", "-q", "-b", branch);

    /// <summary>Writes the files and commits them; returns the new commit's sha.</summary>
    public string Commit(IReadOnlyDictionary<string, string> files, string message = "change")
    {
        foreach (var (name, content) in files)
        {
            var file = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }
        Git("add", "-A");
        Git("-c", "user.name=e2e", "-c", "user.email=e2e@circleactors.invalid", "commit", "-q", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    /// <summary>Creates a branch at the current commit.</summary>
    public void Branch(string name) => Git("branch", name);

    public string CommitConfig(string config) => Commit(new Dictionary<string, string> { [".circleci/config.yml"] = config });

    private string Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
        return output;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
