namespace CircleActors.Actors.Common;

/// <summary>
/// An exclusive lock shared with other processes through a lock file (an advisory lock, which
/// .NET takes for <see cref="FileShare.None"/>). The operating system drops it when its holder dies,
/// so a killed node never leaves a lock behind.
/// </summary>
public static class InterProcessLock
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>For start-up code that is not asynchronous; gives up after <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Another process held the lock all that time.</exception>
    public static IDisposable Acquire(string path, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return AcquireAsync(path, cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{path} stayed locked by another process for {timeout.TotalSeconds:0} s");
        }
    }

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
