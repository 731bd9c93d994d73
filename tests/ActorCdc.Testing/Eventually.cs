namespace ActorCdc.Testing;

/// <summary>Waits for a condition with a deadline instead of sleeping; on timeout says what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {timeout.TotalSeconds:0}s for {what}; last seen: {Describe(last)}");
            await Task.Delay(delay);
            if (delay < TimeSpan.FromMilliseconds(500)) delay *= 2;
        }
    }

    public static Task WaitAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        WaitAsync(probe, b => b, timeout, what);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        System.Collections.IEnumerable e and not string => string.Join(", ", e.Cast<object?>().Take(20)),
        _ => value.ToString() ?? "",
    };
}
