namespace CircleActors.Actors.Common;

/// <summary>Files that hold a credential (the admin token, the secrets key, a checkout key on an agent).</summary>
public static class OwnerOnlyFile
{
    /// <summary>
    /// Reads the file, or makes it with <paramref name="make"/> when it does not exist yet. Services
    /// nodes of a cluster share one data directory and may start together: the file is written whole
    /// under a private name and then linked into place, which fails if another node got there first,
    /// so every node ends up reading the same credential and none ever reads a half-written one.
    /// </summary>
    public static (string Text, bool Created) ReadOrCreate(string path, Func<string> make)
    {
        if (File.Exists(path)) return (File.ReadAllText(path), false);
        var draft = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var text = make();
        CreateNew(draft, text);
        try
        {
            // Without overwrite, the move is a link then an unlink: it never replaces a file that appeared meanwhile.
            File.Move(draft, path, overwrite: false);
            return (text, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(draft);
            return (File.ReadAllText(path), false);
        }
    }

    /// <summary>Creates the file with mode 600 from the moment it exists, so it is never readable by others; fails if it exists.</summary>
    public static void CreateNew(string path, string text)
    {
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, fileOptions);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
