using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Reads and writes what the replicas share in the <see cref="IDistributedCache"/>: the token, and the failure of the last
/// token request while its cool-down lasts. Every call bounded by the store timeout, and any failure, timeout or unreadable
/// entry a miss, reported once per outage, never an exception to the caller.
/// </summary>
internal sealed class SharedTokenStore(IDistributedCache cache, SharedTokenFormat format, OrumDistributedTokenCacheOptions options, TimeProvider timeProvider, ILogger logger, string credential)
{
    private readonly StoreHealth _health = new(logger, "distributed cache", credential);

    /// <summary>The shared token while it is usable; <see cref="TokenRead.Fresh"/> when it is not yet due for refresh either.</summary>
    internal async Task<TokenRead> ReadAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        var (answered, stored) = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new TokenRead(null, Fresh: false, answered);
        }

        var token = format.TryRead(key, stored);
        if (token is null)
        {
            // Garbage, or encrypted with keys this replica lacks: a miss, and the new token overwrites it.
            _health.Failed(format.Encrypts
                ? "the stored entry could not be decrypted or read (do all replicas share the Data Protection key ring?)"
                : "the stored entry could not be read", exception: null);
            return new TokenRead(null, Fresh: false, StoreAnswered: true);
        }

        _health.Succeeded();

        // Past the TokenCache's margin it is no use to anyone; due for refresh, it is used only while a failure is shared
        // (handing it to the TokenCache would otherwise make it refresh again at once, in a loop).
        var usable = token.ExpiresAt - Margin(token, authOptions) - timeProvider.GetUtcNow() > TimeSpan.Zero;
        return new TokenRead(usable ? token : null, usable && IsFresh(token, authOptions), StoreAnswered: true);
    }

    /// <summary>The failure another replica shared for <paramref name="key"/>, while its cool-down lasts.</summary>
    internal async Task<SharedFailure?> ReadFailureAsync(string key, CancellationToken cancellationToken)
    {
        var failureKey = key + TokenCacheKey.FailureSuffix;
        // Success is the token read's to report: a corrupt token entry stays reported until a token replaces it.
        var (_, stored) = await GetAsync(failureKey, cancellationToken, reportSuccess: false).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var read = format.TryReadFailure(failureKey, stored, timeProvider.GetUtcNow());
        if (!read.Corrupt)
        {
            return read.Failure;
        }

        // Nothing overwrites it before it expires (if it ever does): a miss now, and gone for the next reader.
        _health.Failed(format.Encrypts
            ? "the stored failure could not be decrypted or read (do all replicas share the Data Protection key ring?)"
            : "the stored failure could not be read", exception: null);
        await RemoveAsync(failureKey, cancellationToken).ConfigureAwait(false);
        return null;
    }

    internal async Task WriteAsync(string key, OrumAccessToken token, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        // The TokenCache's margin: no replica ever reads a token it would not hand out.
        var keepFor = token.ExpiresAt - Margin(token, authOptions) - timeProvider.GetUtcNow();
        if (keepFor > TimeSpan.Zero && await SetAsync(key, () => format.Write(key, token), keepFor, cancellationToken).ConfigureAwait(false))
        {
            Log.SharedTokenStored(logger, credential, keepFor);
        }
    }

    /// <summary>Shares <paramref name="failure"/> until its cool-down ends; the entry expires then.</summary>
    internal async Task WriteFailureAsync(string key, SharedFailure failure, CancellationToken cancellationToken)
    {
        var failureKey = key + TokenCacheKey.FailureSuffix;
        var keepFor = failure.Until - timeProvider.GetUtcNow();
        var written = keepFor > TimeSpan.Zero
            && await SetAsync(failureKey, () => format.WriteFailure(failureKey, failure), keepFor, cancellationToken).ConfigureAwait(false);
        if (written)
        {
            Log.SharedFailureStored(logger, credential, keepFor);
        }
    }

    /// <summary>The stored bytes of <paramref name="key"/> and the token in them; <see langword="null"/> when the store failed.</summary>
    internal async Task<(byte[]? Stored, OrumAccessToken? Token)?> ReadEntryAsync(string key, CancellationToken cancellationToken)
    {
        var (answered, stored) = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return answered ? (stored, stored is null ? null : format.TryRead(key, stored)) : null;
    }

    /// <summary>Removes <paramref name="key"/>; <see langword="false"/> when the store failed.</summary>
    internal async Task<bool> RemoveAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await StoreCall.RunAsync(
                async ct =>
                {
                    await cache.RemoveAsync(key, ct).ConfigureAwait(false);
                    return true;
                },
                options.StoreTimeout,
                timeProvider,
                cancellationToken).ConfigureAwait(false);
            _health.Succeeded();
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Report(ex);
            return false;
        }
    }

    private async Task<(bool Answered, byte[]? Stored)> GetAsync(string key, CancellationToken cancellationToken, bool reportSuccess = true)
    {
        try
        {
            var stored = await StoreCall.RunAsync(ct => cache.GetAsync(key, ct), options.StoreTimeout, timeProvider, cancellationToken)
                .ConfigureAwait(false);
            if (stored is null && reportSuccess)
            {
                _health.Succeeded();
            }

            return (true, stored);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Report(ex);
            return (false, null);
        }
    }

    private async Task<bool> SetAsync(string key, Func<byte[]> write, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        try
        {
            var stored = write();
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
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Report(ex);
        }
        catch (OperationCanceledException)
        {
            // The caller stopped waiting; the token it asked for is still the answer.
        }

        return false;
    }

    private static TimeSpan Margin(OrumAccessToken token, OrumAuthOptions authOptions)
    {
        var lifetime = token.ExpiresIn;
        return authOptions.ExpiryMargin > lifetime / 10 ? lifetime / 10 : authOptions.ExpiryMargin;
    }

    private bool IsFresh(OrumAccessToken token, OrumAuthOptions authOptions)
    {
        // TokenCache's refresh point: RefreshBeforeExpiry before expiry, or half-life for tokens shorter than twice that.
        var lifetime = token.ExpiresIn;
        var refreshBefore = lifetime < authOptions.RefreshBeforeExpiry * 2 ? lifetime / 2 : authOptions.RefreshBeforeExpiry;
        return token.ExpiresAt - timeProvider.GetUtcNow() > refreshBefore;
    }
}

/// <summary>
/// The shared token if it is usable, and whether it is also <see cref="Fresh"/> (not due for refresh); <see cref="StoreAnswered"/>
/// is false when the store failed or timed out.
/// </summary>
internal readonly record struct TokenRead(OrumAccessToken? Token, bool Fresh, bool StoreAnswered);
