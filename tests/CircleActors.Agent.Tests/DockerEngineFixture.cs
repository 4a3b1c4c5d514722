using System.Diagnostics;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Starts the Docker engine and builds the test images once per test run, with the same
/// scripts a developer or CI uses.
/// </summary>
public sealed class DockerEngineFixture
{
    public const string BusyboxImage = "circleactors/busybox:latest";

    /// <summary>Busybox with a docker client, for jobs that talk to an engine.</summary>
    public const string DockerCliImage = "circleactors/docker-cli:latest";

    public DockerEngineFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        RunScript("start-docker.sh");
        RunScript("build-test-images.sh");
    }

    public string RepositoryRoot { get; }

    private void RunScript(string name)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "scripts", name));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/{name} did not finish within 5 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/{name} failed with exit code {process.ExitCode}: {output.Result}{error.Result}");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "CircleActors.sln"))) return directory.FullName;
        throw new InvalidOperationException($"no CircleActors.sln above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class DockerEngineCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "Docker engine";
}
