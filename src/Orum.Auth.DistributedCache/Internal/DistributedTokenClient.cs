using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// The second level behind a credential's <see cref="TokenCache"/>: decorates its <see cref="IOrumTokenClient"/>, which
/// the cache calls only on a miss or a refresh, so the in-process hot path never touches the store. Reads the shared
/// token, else takes the Redis lock and requests one (the others wait and read it), and writes new tokens for the fleet.
/// A store that fails, hangs or holds garbage is a miss: the request then goes to Orum directly and never fails for it.
/// </summary>
internal sealed class DistributedTokenClient : IOrumTokenClient, IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(250);

    private readonly IOrumTokenClient _inner;
    private readonly SharedTokenStore _store;
    private readonly RedisTokenLock? _lock;
    private readonly IOptionsMonitor<OrumAuthOptions> _authOptions;
    private readonly string _credential;
    private readonly OrumDistributedTokenCacheOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreHealth _lockHealth;

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
        _lockHealth = new StoreHealth(logger, "Redis lock", credential);
    }

    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        // The current options, so a rotated credential reads and writes under its new key at once.
        var authOptions = _authOptions.Get(_credential);
        var key = TokenCacheKey.Create(_options.KeyPrefix, authOptions);

        var read = await _store.ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
        if (read.Token is not null)
        {
            return read.Token;
        }

        if (!read.StoreAnswered)
        {
            // The store is down: neither lock nor write would work, and each would cost another timeout.
            return await _inner.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_lock is null || _options.WaitForOtherReplica <= TimeSpan.Zero)
        {
            return await RequestAndShareAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
        }

        return await RequestOnceForFleetAsync(_lock, key, authOptions, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _lock?.Dispose();

    public ValueTask DisposeAsync() => _lock?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>One replica takes the lock and requests; the others poll the store until its token appears.</summary>
    private async Task<OrumAccessToken> RequestOnceForFleetAsync(RedisTokenLock tokenLock, string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        var lockKey = key + TokenCacheKey.LockSuffix;
        var owner = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        var started = _timeProvider.GetTimestamp();
        var delay = FirstPollDelay;
        var waiting = false;
        while (true)
        {
            var taken = await TryTakeLockAsync(tokenLock, lockKey, owner, cancellationToken).ConfigureAwait(false);
            if (taken is null)
            {
                // No lock to be had: at most one request per replica, as with any store without locks.
                return await RequestAndShareAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
            }

            if (taken.Value)
            {
                try
                {
                    // Another replica may have shared a token between our read and our lock.
                    var again = await _store.ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
                    return again.Token ?? await RequestAndShareAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await ReleaseLockAsync(tokenLock, lockKey, owner).ConfigureAwait(false);
                }
            }

            if (!waiting)
            {
                waiting = true;
                Log.WaitingForOtherReplica(_logger, _credential, _options.WaitForOtherReplica);
            }

            var left = _options.WaitForOtherReplica - _timeProvider.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(delay < left ? delay : left, _timeProvider, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < MaxPollDelay ? delay * 2 : MaxPollDelay;

            // The holder's token, or (when it failed and released the lock) our turn to take the lock.
            var polled = await _store.ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
            if (polled.Token is not null)
            {
                return polled.Token;
            }

            if (!polled.StoreAnswered)
            {
                return await _inner.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Log.OtherReplicaTooSlow(_logger, _credential, _options.WaitForOtherReplica);
        return await RequestAndShareAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
    }

    private async Task<OrumAccessToken> RequestAndShareAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        var token = await _inner.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        await _store.WriteAsync(key, token, authOptions, cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>Whether the lock was taken; <see langword="null"/> when Redis failed or timed out.</summary>
    private async Task<bool?> TryTakeLockAsync(RedisTokenLock tokenLock, string lockKey, string owner, CancellationToken cancellationToken)
    {
        try
        {
            var taken = await StoreCall.RunAsync(_ => tokenLock.TryTakeAsync(lockKey, owner, _options.LockTimeout), _options.StoreTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            _lockHealth.Succeeded();
            return taken;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _lockHealth.Report(ex);
            return null;
        }
    }

    private async Task ReleaseLockAsync(RedisTokenLock tokenLock, string lockKey, string owner)
    {
        try
        {
            // Not the caller's token: a lock left behind would make the fleet wait for its expiry.
            await StoreCall.RunAsync(_ => tokenLock.ReleaseAsync(lockKey, owner), _options.StoreTimeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // It expires on its own after LockTimeout.
            _lockHealth.Report(ex);
        }
    }
}
