namespace CircleActors.Actors.Tests.Support;

/// <summary>Waits for an asynchronous system to reach a state, showing the last value seen if it never does.</summary>
public static class Eventually
{
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last = default!;
        Exception? error = null;
        while (true)
        {
            try
            {
                last = await probe();
                error = null;
                if (condition(last)) return last;
            }
            catch (Exception ex)
            {
                error = ex;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what ?? "condition"} not reached in time; last seen: {(error is not null ? error.Message : last?.ToString() ?? "null")}", error);
            await Task.Delay(100);
        }
    }
}
