using CircleActors.Cli.Ops;

namespace CircleActors.Cli.Tests;

/// <summary>The ops shell's history file: kept across sessions, bounded, owner-only, never a secret.</summary>
public sealed class ShellHistorySpecs : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("circleactors-history-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, "nested", name);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Lines_added_in_one_session_are_there_in_the_next_oldest_first()
    {
        var path = PathOf("ops_history");
        var first = ShellHistory.Open(path);
        first.Add("node status");
        first.Add("queue depth");
        first.Add("queue depth");

        Assert.Equal(["node status", "queue depth"], ShellHistory.Open(path).Lines);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_file_keeps_only_the_last_thousand_lines()
    {
        var path = PathOf("ops_history");
        var history = ShellHistory.Open(path);
        for (var i = 0; i < ShellHistory.Limit + 5; i++) history.Add($"job status {i}");

        var lines = File.ReadAllLines(path);
        Assert.Equal(ShellHistory.Limit, lines.Length);
        Assert.Equal("job status 5", lines[0]);
        Assert.Equal($"job status {ShellHistory.Limit + 4}", ShellHistory.Open(path).Lines[^1]);
    }

    [Theory]
    [InlineData("node status --token 0123")]
    [InlineData("cluster show -Token x")]
    [InlineData("job logs 3f2a --password hunter2")]
    [InlineData("node status 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c")]
    public void A_line_that_may_carry_a_secret_is_never_written(string line)
    {
        var path = PathOf("ops_history");
        var history = ShellHistory.Open(path);
        history.Add("node status");
        history.Add(line);

        Assert.Equal(["node status"], File.ReadAllLines(path));
        Assert.Equal(["node status"], history.Lines);
    }

    [Fact]
    public void Job_and_pipeline_ids_are_not_mistaken_for_secrets()
    {
        Assert.False(ShellHistory.MayCarrySecret("job status 6f1d6a52-1c7e-4f57-9a2e-0a6a4c2b9d11"));
        Assert.False(ShellHistory.MayCarrySecret("build delete https://ci.example/pipelines/6f1d6a52-1c7e-4f57-9a2e-0a6a4c2b9d11"));
    }

    [Fact]
    public void Without_a_file_the_history_lasts_one_session()
    {
        var history = ShellHistory.Open(null);
        history.Add("node status");
        Assert.Equal(["node status"], history.Lines);
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
    }
}
