namespace Orum.Auth.Benchmarks.Support;

/// <summary>
/// The least any correct cache can do on a hit: the token in a field, one clock read and compare, a completed
/// <see cref="ValueTask{TResult}"/>. Everything <see cref="TokenCache"/> costs beyond this is overhead.
/// </summary>
internal sealed class FloorCache(TimeProvider time, string token, DateTimeOffset expiresAt)
{
    public ValueTask<string> GetTokenAsync() =>
        time.GetUtcNow() < expiresAt ? new ValueTask<string>(token) : throw new InvalidOperationException("The floor cache's token expired.");
}
