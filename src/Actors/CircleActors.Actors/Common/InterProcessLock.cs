namespace CircleActors.Actors.Common;

/// <summary>
/// An exclusive lock shared with other processes through a lock file (an advisory lock, which
/// .NET takes for <see cref="FileShare.None"/>). The operating system drops it when its holder dies,
/// so a killed node never leaves a lock behind.
/// </summary>
public static class InterProcessLock
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<IDisposable> AcquireAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Held by another process (the same file, not a missing folder: that would be a bug worth seeing).
                if (!Directory.Exists(Path.GetDirectoryName(path))) throw;
                await Task.Delay(RetryInterval, ct);
            }
        }
    }
}
