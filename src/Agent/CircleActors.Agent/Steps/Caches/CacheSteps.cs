using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using CircleActors.Actors.Blobs;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Caches;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;

namespace CircleActors.Agent.Steps.Caches;

/// <summary>
/// <c>save_cache</c> and <c>restore_cache</c>: caches are tar.gz archives of paths in the job's
/// environment, kept per project under their expanded key and never replaced. The archive
/// holds each path at its place (home-relative when under the home, else absolute) plus a list
/// of the saved paths, so a restore puts everything back where it was.
/// </summary>
public static class CacheSteps
{
    // The list of saved paths inside an archive, beside the top-level directories of the tree.
    private const string PathsFile = ".circleactors-cache-paths.json";

    public static async Task<StepOutcome> SaveAsync(SaveCacheStep step, StepContext context, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("cache");
        var key = await ExpandAsync(step.Key, context, scratch, cancellationToken).ConfigureAwait(false)
            ?? throw new StepFailedException("the cache key cannot be expanded: nothing saved");
        var project = context.Task.Project;
        if (await context.Blobs.FindCacheAsync(project, [key], exact: true, cancellationToken).ConfigureAwait(false) is not null)
        {
            context.Say($"Skipping cache generation, cache already exists for key: {key}\n");
            return StepOutcome.Success;
        }

        var tree = scratch.PathOf("tree");
        Directory.CreateDirectory(tree);
        var saved = new List<string>();
        foreach (var path in step.Paths)
        {
            var resolved = context.Resolve(path);
            var portable = Portable(resolved, context.Environment.HomeDirectory);
            if (await context.Environment.CopyOutAsync(resolved, Path.Combine(tree, portable.TrimStart('/')), cancellationToken).ConfigureAwait(false))
            {
                saved.Add(portable);
                context.Say($"Adding {resolved}\n");
            }
            else context.Say($"Warning: {resolved} does not exist; it is left out of the cache\n");
        }
        if (saved.Count == 0)
        {
            context.Say("None of the paths exist: no cache saved\n");
            return StepOutcome.Success;
        }
        await File.WriteAllBytesAsync(Path.Combine(tree, PathsFile), JsonSerializer.SerializeToUtf8Bytes(saved), cancellationToken).ConfigureAwait(false);

        var archive = scratch.PathOf("cache.tar.gz");
        await Archives.CreateAsync(tree, archive, cancellationToken).ConfigureAwait(false);
        context.Say($"Uploading cache archive: {Archives.Size(new FileInfo(archive).Length)}\n");
        try
        {
            var stored = await context.Blobs.UploadAsync(BlobKey.Cache(project, key), archive, cancellationToken).ConfigureAwait(false);
            context.Say($"Stored cache {key} ({Archives.Size(stored.Length)}, SHA-256 {stored.Sha256[..12]}…)\n");
        }
        catch (BlobTransferException ex) when (ex.Kind == RejectionKind.Conflict)
        {
            // Another job saved the same key meanwhile: the first save wins, as it would have had it been first here.
            context.Say($"Skipping cache generation, cache already exists for key: {key}\n");
        }
        catch (BlobTransferException ex)
        {
            throw new StepFailedException($"the cache could not be stored: {ex.Message}");
        }
        return StepOutcome.Success;
    }

    /// <summary>Never fails the job for a cache: a missing or corrupt one means running without it.</summary>
    public static async Task<StepOutcome> RestoreAsync(RestoreCacheStep step, StepContext context, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("cache");
        var keys = new List<string>();
        foreach (var template in step.Keys)
            if (await ExpandAsync(template, context, scratch, cancellationToken).ConfigureAwait(false) is { } key) keys.Add(key);
        if (keys.Count == 0)
        {
            context.Say("No cache key could be expanded: nothing restored\n");
            return StepOutcome.Success;
        }

        BlobInfo? cache;
        try
        {
            cache = await context.Blobs.FindCacheAsync(context.Task.Project, keys, exact: false, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobTransferException ex)
        {
            context.Say($"Warning: caches cannot be looked up ({ex.Message}); continuing without one\n");
            return StepOutcome.Success;
        }
        if (cache is null)
        {
            context.Say($"No cache is found for keys: {string.Join(", ", keys)}\n");
            return StepOutcome.Success;
        }

        context.Say($"Found a cache from key {cache.Key.Name} ({Archives.Size(cache.Length)})\n");
        var archive = scratch.PathOf("cache.tar.gz");
        var tree = scratch.PathOf("tree");
        if (await Archives.FetchAsync(context.Blobs, cache, archive, tree, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            context.Say($"Error: the cache {cache.Key.Name} {problem}; continuing without it\n");
            return StepOutcome.Success;
        }

        if (await ReadPathsAsync(tree, cancellationToken).ConfigureAwait(false) is not { } saved)
        {
            context.Say($"Error: the cache {cache.Key.Name} is corrupt (it has no readable {PathsFile}); continuing without it\n");
            return StepOutcome.Success;
        }
        foreach (var path in saved)
        {
            // Each saved path goes back on its own, so the directories above it (e.g. /tmp) keep their modes.
            var source = Path.Combine(tree, path.TrimStart('/'));
            var target = context.Environment.ResolvePath(path);
            if (Directory.Exists(source))
                await context.Environment.CopyDirectoryAsync(source, target, cancellationToken).ConfigureAwait(false);
            else if (File.Exists(source))
            {
                var single = scratch.PathOf("file-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(single);
                File.Move(source, Path.Combine(single, Path.GetFileName(target)));
                await context.Environment.CopyDirectoryAsync(single, ParentOf(target), cancellationToken).ConfigureAwait(false);
            }
            context.Say($"Restored {target}\n");
        }
        context.Say($"Restored cache {cache.Key.Name} ({Archives.Size(cache.Length)})\n");
        return StepOutcome.Success;
    }

    private static async Task<IReadOnlyList<string>?> ReadPathsAsync(string tree, CancellationToken cancellationToken)
    {
        var file = Path.Combine(tree, PathsFile);
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<List<string>>(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A path under the home is kept as <c>~/…</c>: a machine environment's home is a new
    /// directory for every task, so only home-relative paths find their place again.
    /// </summary>
    private static string Portable(string resolved, string home) =>
        resolved == home ? "~" : resolved.StartsWith(home.TrimEnd('/') + "/", StringComparison.Ordinal) ? "~/" + resolved[(home.TrimEnd('/').Length + 1)..] : resolved;

    private static string ParentOf(string path)
    {
        var slash = path.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The key, or null after saying why the template cannot be expanded.</summary>
    private static async Task<string?> ExpandAsync(string template, StepContext context, Scratch scratch, CancellationToken cancellationToken)
    {
        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in CacheKeyTemplate.ChecksumFiles(template))
        {
            var copy = scratch.PathOf("checksum-" + checksums.Count);
            if (!await context.Environment.CopyOutAsync(context.Resolve(file), copy, cancellationToken).ConfigureAwait(false) || !File.Exists(copy))
                continue;
            await using var stream = File.OpenRead(copy);
            checksums[file] = CacheKeyTemplate.ChecksumOf(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
        var task = context.Task;
        var (key, error) = CacheKeyTemplate.Expand(template, new CacheKeyContext(
            task.Branch, task.Revision, task.JobNumber, context.Variables, checksums, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Arch));
        if (error is not null) context.Say($"Error: {error}\n");
        return key;
    }

    /// <summary>What <c>{{ arch }}</c> stands for: the agent's operating system and processor, CircleCI's way.</summary>
    private static string Arch => $"arch1-{(OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : "windows")}-" +
        RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
}
