using System.Security.Cryptography;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using CircleActors.Actors.Blobs;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Common;

namespace CircleActors.Agent.Tests;

/// <summary>The blob protocol between two actor systems over remoting: whole blobs or nothing.</summary>
public sealed class BlobTransferSpecs : IAsyncLifetime
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("circleactors-transfer-");
    private BlobServiceNodes nodes = null!;

    public async Task InitializeAsync() => nodes = await BlobServiceNodes.StartAsync();

    public async Task DisposeAsync()
    {
        await nodes.DisposeAsync();
        scratch.Delete(recursive: true);
    }

    private string FileOf(int length, int seed)
    {
        var path = Path.Combine(scratch.FullName, $"{seed}-{length}.bin");
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task A_file_of_many_chunks_goes_up_and_comes_back_byte_for_byte()
    {
        var file = FileOf(5 * 1024 * 1024 + 17, seed: 1);
        var key = BlobKey.WorkspaceLayer(new JobId(Guid.NewGuid()), 0, 3);

        var stored = await nodes.Transfer.UploadAsync(key, file, CancellationToken.None);
        var back = Path.Combine(scratch.FullName, "back.bin");
        await nodes.Transfer.DownloadAsync(stored, back, CancellationToken.None);

        Assert.Equal(new FileInfo(file).Length, stored.Length);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant(), stored.Sha256);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(back));
        Assert.Equal([stored], await nodes.Transfer.FindWorkspaceLayersAsync([new JobId(Guid.ParseExact(key.Scope, "N"))], CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_that_does_not_match_what_was_announced_is_refused_and_never_visible()
    {
        var file = FileOf(200_000, seed: 2);
        var key = BlobKey.Cache(ProjectSlug.Parse("gh/acme/app"), "damaged");
        var upload = Guid.NewGuid();
        var wrongSha = new string('0', 64);

        var sinkRef = await nodes.Service.Ask<ISinkRef<byte[]>>(new BlobProtocol.OpenUpload(upload, key, 200_000, wrongSha), TimeSpan.FromSeconds(10));
        Source.Single(await File.ReadAllBytesAsync(file)).RunWith(sinkRef.Sink, nodes.Agent.Materializer());
        var outcome = await nodes.Service.Ask<object>(new BlobProtocol.AwaitUpload(upload), TimeSpan.FromSeconds(10));

        var refused = Assert.IsType<Rejected>(outcome);
        Assert.Contains("arrived damaged", refused.Reason);
        var (path, _) = nodes.Store.PathOf(key);
        Assert.False(File.Exists(path));
        Assert.Null(await nodes.Transfer.FindCacheAsync(ProjectSlug.Parse("gh/acme/app"), ["damaged"], exact: true, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(nodes.Store.TemporaryPath(upload))!));
        // Asking again gets the same answer: the outcome is kept.
        Assert.IsType<Rejected>(await nodes.Service.Ask<object>(new BlobProtocol.AwaitUpload(upload), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_cache_key_is_saved_once_and_a_key_that_climbs_out_is_refused()
    {
        var project = ProjectSlug.Parse("gh/acme/app");
        await nodes.Transfer.UploadAsync(BlobKey.Cache(project, "v1"), FileOf(10, seed: 3), CancellationToken.None);

        var again = await Assert.ThrowsAsync<BlobTransferException>(() => nodes.Transfer.UploadAsync(BlobKey.Cache(project, "v1"), FileOf(10, seed: 4), CancellationToken.None));
        Assert.Equal(RejectionKind.Conflict, again.Kind);
        var climbing = await Assert.ThrowsAsync<BlobTransferException>(() =>
            nodes.Transfer.UploadAsync(BlobKey.Artifact(new JobId(Guid.NewGuid()), 0, "../../x"), FileOf(10, seed: 5), CancellationToken.None));
        Assert.Equal(RejectionKind.Invalid, climbing.Kind);
        var missing = await Assert.ThrowsAsync<BlobTransferException>(() =>
            nodes.Transfer.DownloadAsync(new BlobInfo(BlobKey.Cache(project, "never"), 1, "00", DateTimeOffset.UtcNow), Path.Combine(scratch.FullName, "x"), CancellationToken.None));
        Assert.Equal(RejectionKind.NotFound, missing.Kind);
    }
}
