using CircleActors.Actors.Common;
using CircleActors.Actors.Pipelines;

namespace CircleActors.Actors.Tests.Support;

/// <summary>A git repository in a temporary directory with one commit on <c>main</c> holding a CircleCI config.</summary>
public sealed class TestRepository : IDisposable
{
    private TestRepository(string path) => Path = path;

    public string Path { get; }

    public static async Task<TestRepository> WithConfigAsync(string config)
    {
        var path = Directory.CreateTempSubdirectory("circleactors-repo-").FullName;
        await GitAsync(path, "init", "--quiet", "--initial-branch=main");
        var repository = new TestRepository(path);
        await repository.CommitConfigAsync(config);
        return repository;
    }

    /// <summary>Commits a new config on the current branch.</summary>
    public async Task CommitConfigAsync(string config)
    {
        var file = System.IO.Path.Combine(Path, RepositoryMirror.ConfigPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, config);
        await GitAsync(Path, "add", ".");
        await GitAsync(Path, "-c", "user.name=Spec", "-c", "user.email=spec@example.invalid", "commit", "--quiet", "-m", "config");
    }

    public async Task<string> HeadAsync() => (await GitAsync(Path, "rev-parse", "HEAD")).Trim();

    private static async Task<string> GitAsync(string directory, params string[] args)
    {
        var result = await GitCli.RunAsync(directory, CancellationToken.None, args);
        if (!result.Succeeded) throw new InvalidOperationException($"git {string.Join(' ', args)}: {result.StdErr}");
        return result.StdOut;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
