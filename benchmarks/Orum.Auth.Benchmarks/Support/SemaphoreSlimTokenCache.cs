namespace Orum.Auth.Benchmarks.Support;

/// <summary>The cache most teams write by hand: a <see cref="SemaphoreSlim"/> around an expiry check.</summary>
internal sealed class SemaphoreSlimTokenCache(IOrumTokenClient client, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private OrumAccessToken? _token;

    public async Task<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is null || time.GetUtcNow() >= _token.ExpiresAt - TimeSpan.FromMinutes(5))
            {
                _token = await client.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
            }

            return _token;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
