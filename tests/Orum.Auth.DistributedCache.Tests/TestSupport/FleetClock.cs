namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>What the Redis tests on a <see cref="WatchedClock"/> count as "every replica is waiting on the clock".</summary>
internal static class FleetClock
{
    /// <summary>
    /// The replicas' store timeout in these tests. No other timer is armed for 59 seconds, so an armed one means a call
    /// to Redis (the store or the lock) is in flight, and the clock must wait for its real-time answer.
    /// </summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(59);

    /// <summary>A waiting replica polls Redis at most this far apart.</summary>
    public static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// No call to Redis in flight, and each of the <paramref name="pending"/> callers is either polling on the clock or
    /// waiting out the token endpoint's latency.
    /// </summary>
    public static bool Parked(WatchedClock clock, TokenEndpoint endpoint, int pending) =>
        clock.Armed(d => d == StoreTimeout) == 0 && clock.Armed(d => d <= MaxPollDelay) + endpoint.Delayed >= pending;

    /// <summary>Advances the clock in poll-sized steps, only while every pending caller is parked, until all are done.</summary>
    public static Task RunAsync(this WatchedClock clock, TokenEndpoint endpoint, IReadOnlyCollection<Task> calls, TimeSpan limit) =>
        clock.AdvanceUntilDoneAsync(calls, pending => Parked(clock, endpoint, pending), MaxPollDelay, limit);
}
