namespace CircleActors.Actors.Common;

/// <summary>Files that hold a credential (the admin token, the secrets key, a checkout key on an agent).</summary>
public static class OwnerOnlyFile
{
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
