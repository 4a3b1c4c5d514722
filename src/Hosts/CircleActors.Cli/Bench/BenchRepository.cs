using CircleActors.Actors.Common;

namespace CircleActors.Cli.Bench;

/// <summary>The git repositories benchmarks build from: one commit of a CircleCI config on <c>main</c>.</summary>
public static class BenchRepository
{
    public static async Task CommitConfigAsync(string directory, string config, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(directory, ".circleci"));
        await File.WriteAllTextAsync(Path.Combine(directory, ".circleci", "config.yml"), config, ct);
        foreach (var arguments in new[] { "init -q -b main", "add .", "-c user.name=bench -c user.email=bench@example.invalid commit -q -m bench" })
        {
            var result = await GitCli.RunAsync(directory, ct, arguments.Split(' '));
            if (!result.Succeeded) throw new InvalidOperationException($"git {arguments}: {result.StdErr}");
        }
    }
}
