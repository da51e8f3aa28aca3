namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>Every await that could hang is bounded: a broken test fails in seconds instead of stalling the run.</summary>
public static class Bounded
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static Task Within(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Timeout);
}
