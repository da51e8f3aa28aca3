namespace Orum.Auth.Benchmarks.Support;

internal static class Hit
{
    /// <summary>The result of a cache hit, which must have completed synchronously: a hit that did not is a bug, not a slow hit.</summary>
    public static T Result<T>(this ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("A cache hit did not complete synchronously.");
}
