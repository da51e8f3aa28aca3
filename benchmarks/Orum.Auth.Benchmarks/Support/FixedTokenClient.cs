namespace Orum.Auth.Benchmarks.Support;

/// <summary>An <see cref="IOrumTokenClient"/> that issues one-hour tokens on the given clock, optionally after a delay, and counts the requests.</summary>
internal sealed class FixedTokenClient(TimeProvider time, TimeSpan delay = default) : IOrumTokenClient
{
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        var issuedAt = time.GetUtcNow();
        Interlocked.Increment(ref _requests);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }

        return new OrumAccessToken(BenchmarkCredentials.TokenValue, "Bearer", TimeSpan.FromHours(1), issuedAt);
    }
}
