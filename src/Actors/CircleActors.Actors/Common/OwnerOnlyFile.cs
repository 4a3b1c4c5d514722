namespace CircleActors.Actors.Common;

/// <summary>Files that hold a credential (the admin token, the secrets key, a checkout key on an agent).</summary>
public static class OwnerOnlyFile
{
    /// <summary>
    /// Reads the file, or makes it with <paramref name="make"/> when it does not exist yet. Services
    /// nodes of a cluster share one data directory and may start together, so both happen under
    /// a lock shared with the other processes (<c>FILE.lock</c>, left in place): the first node
    /// makes the credential and every other node reads that one, never a half-written file.
    /// (Linking a finished draft into place is not enough: where the file system has no hard
    /// links, .NET falls back to a rename that replaces a file made meanwhile.)
    /// </summary>
    public static (string Text, bool Created) ReadOrCreate(string path, Func<string> make)
    {
        using var _ = InterProcessLock.Acquire(path + ".lock", TimeSpan.FromSeconds(30));
        if (File.Exists(path)) return (File.ReadAllText(path), false);
        var text = make();
        CreateNew(path, text);
        return (text, true);
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
