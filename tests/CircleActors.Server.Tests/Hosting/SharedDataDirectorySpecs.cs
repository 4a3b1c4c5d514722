using CircleActors.Domain.Common;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Tests.Hosting;

/// <summary>
/// Services nodes of a cluster share one data directory and may start at the same moment: each
/// must end up with the same admin token and secrets key, none with a half-written one.
/// </summary>
public sealed class SharedDataDirectorySpecs : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("ca-shared-data-").FullName;

    [Fact]
    public async Task Nodes_starting_together_all_read_the_one_admin_token_that_was_made()
    {
        var start = new Barrier(8);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return AdminToken.LoadOrCreate(_data);
        })));

        Assert.Single(tokens.Select(t => t.Token).Distinct());
        Assert.Equal(48, tokens[0].Token.Length);
        Assert.Equal(1, tokens.Count(t => t.Created));
        Assert.Equal(tokens[0].Token, File.ReadAllText(Path.Combine(_data, AdminToken.FileName)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data, AdminToken.FileName)));
        // Nothing but the token and the lock file it was made under.
        Assert.Equal([AdminToken.FileName, AdminToken.FileName + ".lock"], Directory.GetFiles(_data).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Nodes_starting_together_all_seal_with_the_one_secrets_key_that_was_made()
    {
        var start = new Barrier(8);
        var boxes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return SecretsKey.Load(_data, operatorKey: null).Box;
        })));

        // What one node seals, every other node opens.
        var project = ProjectSlug.Parse("gh/acme/shared");
        var sealedValue = boxes[0].Seal(project, "TOKEN", "the value");
        Assert.All(boxes, box => Assert.Equal("the value", box.Open(project, "TOKEN", sealedValue)));
        Assert.Single(Directory.GetFiles(_data), file => !file.EndsWith(".lock", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
