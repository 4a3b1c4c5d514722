using System.Formats.Tar;
using System.IO.Compression;
using CircleActors.Agent.Executors;

namespace CircleActors.Agent.Steps.Blobs;

/// <summary>tar.gz archives of host directory trees (caches and workspace layers), streamed through files.</summary>
public static class Archives
{
    public static async Task CreateAsync(string directory, string archive, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(archive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await using var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        await HostTree.WriteTreeAsync(writer, new DirectoryInfo(directory), "", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extracts over what <paramref name="directory"/> holds (later archives overwrite earlier ones).</summary>
    /// <exception cref="InvalidDataException">The archive is not a readable tar.gz.</exception>
    public static async Task ExtractAsync(string archive, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await TarFile.ExtractToDirectoryAsync(gzip, directory, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads an archive and extracts it over <paramref name="directory"/>. Returns null, or
    /// what went wrong as the end of a sentence ("is corrupt (…)", "could not be downloaded (…)"):
    /// a cache and a workspace differ in what they do about it.
    /// </summary>
    public static async Task<string?> FetchAsync(IBlobTransfer blobs, Actors.Blobs.BlobInfo blob, string archive, string directory, CancellationToken cancellationToken)
    {
        try
        {
            await blobs.DownloadAsync(blob, archive, cancellationToken).ConfigureAwait(false);
            await ExtractAsync(archive, directory, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (BlobCorruptException ex)
        {
            return $"is corrupt ({ex.Message})";
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            return $"is corrupt (its archive cannot be read: {ex.Message})";
        }
        catch (BlobTransferException ex)
        {
            return $"could not be downloaded ({ex.Message})";
        }
    }

    /// <summary>A size for step output: bytes, KiB, MiB or GiB with one decimal.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB",
    };
}

/// <summary>A throwaway directory on the agent's host for one step, removed when disposed.</summary>
public sealed class Scratch : IDisposable
{
    private readonly DirectoryInfo _directory;

    public Scratch(string purpose) => _directory = Directory.CreateTempSubdirectory($"circleactors-{purpose}-");

    public string PathOf(string name) => Path.Combine(_directory.FullName, name);

    public void Dispose()
    {
        try { _directory.Delete(recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* the temp directory is cleaned by the system */ }
    }
}
