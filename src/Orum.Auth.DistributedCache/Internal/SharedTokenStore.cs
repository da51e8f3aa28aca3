using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Reads and writes the shared token in the <see cref="IDistributedCache"/>: every call bounded by the store timeout, and
/// any failure, timeout or unreadable entry a miss, reported once per outage, never an exception to the caller.
/// </summary>
internal sealed class SharedTokenStore(IDistributedCache cache, SharedTokenFormat format, OrumDistributedTokenCacheOptions options, TimeProvider timeProvider, ILogger logger, string credential)
{
    private readonly StoreHealth _health = new(logger, "distributed cache", credential);

    internal async Task<ReadResult> ReadAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        byte[]? stored;
        try
        {
            stored = await StoreCall.RunAsync(ct => cache.GetAsync(key, ct), options.StoreTimeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Report(ex);
            return new ReadResult(null, StoreAnswered: false);
        }

        if (stored is null)
        {
            _health.Succeeded();
            return new ReadResult(null, StoreAnswered: true);
        }

        var token = format.TryRead(key, stored);
        if (token is null)
        {
            // Garbage, or encrypted with keys this replica lacks: a miss, and the new token overwrites it.
            _health.Failed(format.Encrypts
                ? "the stored entry could not be decrypted or read (do all replicas share the Data Protection key ring?)"
                : "the stored entry could not be read", exception: null);
            return new ReadResult(null, StoreAnswered: true);
        }

        _health.Succeeded();
        if (!IsFresh(token, authOptions))
        {
            // Due for refresh: handing it to the TokenCache would make it refresh again at once, in a loop.
            return new ReadResult(null, StoreAnswered: true);
        }

        Log.SharedTokenUsed(logger, credential, token.ExpiresAt);
        return new ReadResult(token, StoreAnswered: true);
    }

    internal async Task WriteAsync(string key, OrumAccessToken token, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        // The TokenCache's margin: no replica ever reads a token it would not hand out.
        var lifetime = token.ExpiresIn;
        var margin = authOptions.ExpiryMargin > lifetime / 10 ? lifetime / 10 : authOptions.ExpiryMargin;
        var keepFor = token.ExpiresAt - margin - timeProvider.GetUtcNow();
        if (keepFor <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            var stored = format.Write(key, token);
            var entry = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = keepFor };
            await StoreCall.RunAsync(
                async ct =>
                {
                    await cache.SetAsync(key, stored, entry, ct).ConfigureAwait(false);
                    return true;
                },
                options.StoreTimeout,
                timeProvider,
                cancellationToken).ConfigureAwait(false);
            _health.Succeeded();
            Log.SharedTokenStored(logger, credential, keepFor);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Report(ex);
        }
        catch (OperationCanceledException)
        {
            // The caller stopped waiting; the token it asked for is still the answer.
        }
    }

    private bool IsFresh(OrumAccessToken token, OrumAuthOptions authOptions)
    {
        // TokenCache's refresh point: RefreshBeforeExpiry before expiry, or half-life for tokens shorter than twice that.
        var lifetime = token.ExpiresIn;
        var refreshBefore = lifetime < authOptions.RefreshBeforeExpiry * 2 ? lifetime / 2 : authOptions.RefreshBeforeExpiry;
        return token.ExpiresAt - timeProvider.GetUtcNow() > refreshBefore;
    }

    /// <summary>The shared token if it is usable; <see cref="StoreAnswered"/> is false when the store failed or timed out.</summary>
    internal readonly record struct ReadResult(OrumAccessToken? Token, bool StoreAnswered);
}
