using System.Formats.Tar;

namespace CircleActors.Agent.Executors;

/// <summary>Directory trees on the agent's host to and from tar streams, links kept as links.</summary>
public static class HostTree
{
    /// <summary>
    /// Archives a directory tree. <see cref="TarFile.CreateFromDirectoryAsync(string, Stream, bool, CancellationToken)"/>
    /// leaves out dot files (so a checkout would lose <c>.git</c>); links are archived as links, never followed.
    /// </summary>
    public static async Task WriteTreeAsync(TarWriter writer, DirectoryInfo directory, string prefix, CancellationToken cancellationToken)
    {
        var everything = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        foreach (var entry in directory.EnumerateFileSystemInfos("*", everything))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = prefix + entry.Name;
            await writer.WriteEntryAsync(entry.FullName, entry is DirectoryInfo && entry.LinkTarget is null ? name + "/" : name, cancellationToken).ConfigureAwait(false);
            if (entry is DirectoryInfo sub && entry.LinkTarget is null)
                await WriteTreeAsync(writer, sub, name + "/", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the entries of a tar stream whose first path segment names one file or directory
    /// (as the Docker engine archives a path) to <paramref name="hostPath"/>: that segment's
    /// contents become <paramref name="hostPath"/>. Reads the stream once, in order, so a large
    /// tree never sits in memory. Entries that would land outside <paramref name="hostPath"/> are refused.
    /// </summary>
    public static async Task ExtractUnderAsync(Stream tar, string hostPath, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(hostPath);
        using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var name = entry.Name.TrimEnd('/');
            var slash = name.IndexOf('/');
            var target = slash < 0 ? root : Path.GetFullPath(Path.Combine(root, name[(slash + 1)..]));
            if (target != root && !target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new IOException($"the archive entry {entry.Name} would land outside {hostPath}");
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await entry.ExtractToFileAsync(target, overwrite: true, cancellationToken).ConfigureAwait(false);
                    break;
                case TarEntryType.SymbolicLink:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    if (File.Exists(target) || Directory.Exists(target)) File.Delete(target);
                    File.CreateSymbolicLink(target, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    // The engine names the first copy by its archive path: copy it again rather than link across trees.
                    var linkSlash = entry.LinkName.IndexOf('/');
                    var source = linkSlash < 0 ? root : Path.Combine(root, entry.LinkName[(linkSlash + 1)..]);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    if (File.Exists(source)) File.Copy(source, target, overwrite: true);
                    break;
                // Devices, fifos and the like are not build output.
            }
        }
    }
}
