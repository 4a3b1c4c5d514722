using System.Diagnostics;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>Asks again until the answer is there: what a real installation shows, it shows a little later.</summary>
public static class Poll
{
    /// <summary>The first non-null answer of <paramref name="probe"/>; a timeout naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 90) where T : class
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await probe() is { } found) return found;
            await Task.Delay(250);
        }
        throw new TimeoutException(what);
    }
}
