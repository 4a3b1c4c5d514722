using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Tests.Support;

namespace CircleActors.Actors.Tests.Pipelines;

/// <summary>The mirror a pipeline reads its config from, on real git repositories.</summary>
public sealed class RepositoryMirrorSpecs : IDisposable
{
    private readonly string _mirrors = Directory.CreateTempSubdirectory("circleactors-mirrors-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(_mirrors)) Directory.Delete(_mirrors, recursive: true);
    }

    [Fact]
    public async Task A_config_read_at_a_commit_is_read_again_without_git_while_a_branch_is_always_fetched()
    {
        using var repository = await TestRepository.WithConfigAsync("version: 2.1\n# first\n");
        var mirror = new RepositoryMirror(_mirrors);
        var sha = await repository.HeadAsync();
        var first = await mirror.ReadConfigAsync(repository.Path, null, null, sha, CancellationToken.None);
        Assert.Equal((sha, "version: 2.1\n# first\n"), (first.Sha, first.ConfigSource));

        // With the mirror and the origin both gone, only a commit already read can still be answered.
        Directory.Delete(_mirrors, recursive: true);
        Directory.Move(repository.Path, repository.Path + ".away");
        try
        {
            Assert.Equal(first, await mirror.ReadConfigAsync(repository.Path, null, null, sha, CancellationToken.None));
            await Assert.ThrowsAsync<RepositoryException>(() => mirror.ReadConfigAsync(repository.Path, "main", null, null, CancellationToken.None));
        }
        finally
        {
            Directory.Move(repository.Path + ".away", repository.Path);
        }
    }
}
