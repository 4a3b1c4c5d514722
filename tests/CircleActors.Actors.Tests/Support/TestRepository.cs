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
        var file = System.IO.Path.Combine(path, RepositoryMirror.ConfigPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, config);
        await GitAsync(path, "init", "--quiet", "--initial-branch=main");
        await GitAsync(path, "add", ".");
        await GitAsync(path, "-c", "user.name=Spec", "-c", "user.email=spec@example.invalid", "commit", "--quiet", "-m", "config");
        return new TestRepository(path);
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
