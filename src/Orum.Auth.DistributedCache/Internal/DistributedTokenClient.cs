using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// The second level behind a credential's <see cref="TokenCache"/>: decorates its <see cref="IOrumTokenClient"/>, which
/// the cache calls only on a miss or a refresh, so the in-process hot path never touches the store. Reads the shared
/// token (or the shared failure of the last request, while its cool-down lasts), else takes the Redis lock and requests
/// one (the others wait and read the outcome), and writes every outcome for the fleet. Hears of every token Orum rejects
/// (<see cref="IOrumTokenRejectionListener"/>): never hands it out again, and removes it from the store.
/// A store that fails, hangs or holds garbage is a miss: the request then goes to Orum directly and never fails for it.
/// </summary>
internal sealed class DistributedTokenClient : IOrumTokenClient, IOrumTokenRejectionListener, IDisposable, IAsyncDisposable
{
    private readonly IOrumTokenClient _inner;
    private readonly SharedTokenStore _store;
    private readonly RedisTokenLock? _lock;
    private readonly FleetLock? _fleetLock;
    private readonly RejectedTokens _rejected;
    private readonly IOptionsMonitor<OrumAuthOptions> _authOptions;
    private readonly string _credential;
    private readonly OrumDistributedTokenCacheOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    internal DistributedTokenClient(
        IOrumTokenClient inner,
        SharedTokenStore store,
        RedisTokenLock? tokenLock,
        IOptionsMonitor<OrumAuthOptions> authOptions,
        string credential,
        OrumDistributedTokenCacheOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _inner = inner;
        _store = store;
        _lock = tokenLock;
        _authOptions = authOptions;
        _credential = credential;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        var context = new FleetLockContext(options, timeProvider, logger, credential, new StoreHealth(logger, "Redis lock", credential));
        _fleetLock = tokenLock is null ? null : new FleetLock(tokenLock, context);
        _rejected = new RejectedTokens(store, tokenLock, context);
    }

    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        // The current options, so a rotated credential reads and writes under its new key at once.
        var authOptions = _authOptions.Get(_credential);
        var key = TokenCacheKey.Create(_options.KeyPrefix, authOptions);
        await _rejected.WhenForgottenAsync(cancellationToken).ConfigureAwait(false);

        var read = await ReadSharedAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
        if (read.Token is not null)
        {
            return read.Token;
        }

        if (!read.StoreAnswered)
        {
            // The store is down: neither lock nor write would work, and each would cost another timeout.
            return await _inner.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_fleetLock is null || _options.WaitForOtherReplica <= TimeSpan.Zero)
        {
            return await RequestAndShareAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
        }

        var steps = new FleetSteps(
            ct => ReadSharedAsync(key, authOptions, ct),
            ct => RequestAndShareAsync(key, authOptions, ct),
            ct => _inner.RequestTokenAsync(ct));
        return await _fleetLock.RequestOnceAsync(key + TokenCacheKey.LockSuffix, authOptions.TokenRequestTimeout, steps, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Called by the TokenCache for every 401: returns at once and never throws; the store is cleaned in the background.</summary>
    public void OnTokenRejected(OrumAccessToken rejected)
    {
        if (rejected?.Value is null)
        {
            return;
        }

        try
        {
            _rejected.Report(rejected, TokenCacheKey.Create(_options.KeyPrefix, _authOptions.Get(_credential)));
        }
        catch (Exception)
        {
            // Options that no longer bind or validate, say: the store keeps the token until it expires, and the 401 handler
            // that called must not fail for it. This replica's cache has already dropped it.
        }
    }

    public void Dispose() => _lock?.Dispose();

    public ValueTask DisposeAsync() => _lock?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// The shared token if it is fresh and was not rejected here; else the shared failure, thrown, unless a shared token is
    /// still usable (better than failing while Orum asks to wait); else a miss.
    /// </summary>
    private async Task<SharedRead> ReadSharedAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        var read = await _store.ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
        if (!read.StoreAnswered)
        {
            return new SharedRead(null, StoreAnswered: false);
        }

        var token = read.Token is { } shared && !_rejected.Contains(shared.Value) ? shared : null;
        if (token is not null && read.Fresh)
        {
            Log.SharedTokenUsed(_logger, _credential, token.ExpiresAt);
            return new SharedRead(token, StoreAnswered: true);
        }

        var failure = await _store.ReadFailureAsync(key, cancellationToken).ConfigureAwait(false);
        if (failure is null)
        {
            return new SharedRead(null, StoreAnswered: true);
        }

        if (token is not null)
        {
            // Due for refresh, yet usable: this replica's cache refreshes it in the background once the failure is over.
            Log.SharedTokenUsed(_logger, _credential, token.ExpiresAt);
            return new SharedRead(token, StoreAnswered: true);
        }

        var now = _timeProvider.GetUtcNow();
        Log.SharedFailureUsed(_logger, _credential, failure.Describe(), failure.Until - now);
        throw failure.ToException(now);
    }

    private async Task<OrumAccessToken> RequestAndShareAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        OrumAccessToken token;
        try
        {
            token = await _inner.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OrumAuthException ex) when (!cancellationToken.IsCancellationRequested
            && SharedFailure.From(ex, _timeProvider.GetUtcNow()) is { } failure)
        {
            // Shared before the lock is let go: the whole fleet honours the cool-down (Orum's Retry-After, or 5 seconds).
            await _store.WriteFailureAsync(key, failure, cancellationToken).ConfigureAwait(false);
            throw;
        }

        await _store.WriteAsync(key, token, authOptions, cancellationToken).ConfigureAwait(false);
        return token;
    }
}
