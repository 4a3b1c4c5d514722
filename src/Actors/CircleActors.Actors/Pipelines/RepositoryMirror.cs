using System.Collections.Concurrent;
using CircleActors.Actors.Common;

namespace CircleActors.Actors.Pipelines;

/// <summary>
/// Bare mirrors of project repositories under the data directory, from which a pipeline reads
/// the revision it runs and the config at that revision. One fetch at a time per repository, also
/// across the services nodes of a cluster, which share the data directory.
/// </summary>
public sealed class RepositoryMirror(string mirrorsDirectory)
{
    public const string ConfigPath = ".circleci/config.yml";

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new();

    public sealed record Revision(string Sha, string ConfigSource);

    /// <summary>How many configs read at a given commit are kept; past it the cache starts again empty.</summary>
    public const int CachedConfigs = 1024;

    // A commit never changes, so its config is read once: pipelines of the same pushed commit
    // (redeliveries, API triggers, pull request and push events) need no git process at all.
    private readonly ConcurrentDictionary<(string Repository, string Sha), Revision> _configsByCommit = new();

    /// <summary>Resolves a branch or tag (or checks a given sha) and reads the config there.</summary>
    /// <exception cref="RepositoryException">The repository, ref, revision or config file cannot be read.</exception>
    public async Task<Revision> ReadConfigAsync(string repositoryUrl, string? branch, string? tag, string? sha, CancellationToken ct)
    {
        if (sha is not null && _configsByCommit.TryGetValue((repositoryUrl, sha), out var cached)) return cached;
        var revision = await ReadConfigFromMirrorAsync(repositoryUrl, branch, tag, sha, ct);
        if (sha == revision.Sha)
        {
            if (_configsByCommit.Count >= CachedConfigs) _configsByCommit.Clear();
            _configsByCommit[(repositoryUrl, sha)] = revision;
        }
        return revision;
    }

    private Task<Revision> ReadConfigFromMirrorAsync(string repositoryUrl, string? branch, string? tag, string? sha, CancellationToken ct) =>
        WithFreshMirrorAsync(repositoryUrl, ct, async directory =>
        {
            var target = sha ?? (tag is not null ? $"refs/tags/{tag}" : $"refs/heads/{branch}");
            var resolved = await GitCli.RunAsync(directory, ct, "rev-parse", "--verify", "--quiet", target + "^{commit}");
            if (!resolved.Succeeded)
                throw new RepositoryException(sha is not null
                    ? $"revision {sha} is not in {repositoryUrl}"
                    : $"{(tag is not null ? "tag " + tag : "branch " + branch)} does not exist in {repositoryUrl}");
            var commit = resolved.StdOut.Trim();
            var config = await GitCli.RunAsync(directory, ct, "show", $"{commit}:{ConfigPath}");
            if (!config.Succeeded)
                throw new RepositoryException($"{ConfigPath} not found at revision {commit}");
            return new Revision(commit, config.StdOut);
        });

    /// <summary>The repository's branches as they are now.</summary>
    /// <exception cref="RepositoryException">The repository cannot be read.</exception>
    public Task<IReadOnlyList<string>> ListBranchesAsync(string repositoryUrl, CancellationToken ct) =>
        WithFreshMirrorAsync<IReadOnlyList<string>>(repositoryUrl, ct, async directory =>
        {
            var refs = await GitCli.RunAsync(directory, ct, "for-each-ref", "--format=%(refname:short)", "refs/heads/");
            if (!refs.Succeeded) throw new RepositoryException($"cannot list the branches of {repositoryUrl}: {refs.StdErr.Trim()}");
            return refs.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        });

    /// <summary>Brings the mirror up to date and reads it, one caller at a time per repository, in this process and in others.</summary>
    private async Task<T> WithFreshMirrorAsync<T>(string repositoryUrl, CancellationToken ct, Func<string, Task<T>> read)
    {
        var directory = Path.Combine(mirrorsDirectory, GitCli.DirectoryNameFor(repositoryUrl) + ".git");
        var gate = Locks.GetOrAdd(directory, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(mirrorsDirectory);
            // Two git processes fetching into one mirror fail on each other's ref locks.
            using var _ = await InterProcessLock.AcquireAsync(directory + ".lock", ct);
            await FetchAsync(repositoryUrl, directory, ct);
            return await read(directory);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task FetchAsync(string repositoryUrl, string directory, CancellationToken ct)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
            var temporary = directory + ".tmp-" + Guid.NewGuid().ToString("N");
            var clone = await GitCli.RunAsync(null, ct, "clone", "--mirror", "--quiet", repositoryUrl, temporary);
            if (!clone.Succeeded)
            {
                TryDelete(temporary);
                throw new RepositoryException($"cannot clone {repositoryUrl}: {clone.StdErr.Trim()}");
            }
            // Atomic publish: a half-cloned mirror is never seen by a later pipeline.
            Directory.Move(temporary, directory);
            return;
        }

        var fetch = await GitCli.RunAsync(directory, ct, "fetch", "--quiet", "--prune", "--force", "origin", "+refs/*:refs/*");
        if (!fetch.Succeeded)
            throw new RepositoryException($"cannot fetch {repositoryUrl}: {fetch.StdErr.Trim()}");
    }

    private static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class RepositoryException(string message) : Exception(message);
