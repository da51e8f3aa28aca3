using System.Globalization;
using Microsoft.Extensions.Caching.Distributed;
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
    private readonly IDistributedCache _store;
    private readonly SharedTokenFormat _format;
    private readonly RedisTokenLock? _lock;
    private readonly IOptionsMonitor<OrumAuthOptions> _authOptions;
    private readonly string _credential;
    private readonly OrumDistributedTokenCacheOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreHealth _storeHealth;
    private readonly StoreHealth _lockHealth;

    internal DistributedTokenClient(
        IOrumTokenClient inner,
        IDistributedCache store,
        SharedTokenFormat format,
        RedisTokenLock? tokenLock,
        IOptionsMonitor<OrumAuthOptions> authOptions,
        string credential,
        OrumDistributedTokenCacheOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _inner = inner;
        _store = store;
        _format = format;
        _lock = tokenLock;
        _authOptions = authOptions;
        _credential = credential;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _storeHealth = new StoreHealth(logger, "distributed cache", credential);
        _lockHealth = new StoreHealth(logger, "Redis lock", credential);
        if (!format.Encrypts)
        {
            Log.UnencryptedStorage(logger, credential);
        }
    }

    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        // The current options, so a rotated credential reads and writes under its new key at once.
        var authOptions = _authOptions.Get(_credential);
        var key = TokenCacheKey.Create(_options.KeyPrefix, authOptions);

        var read = await ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
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
                    var again = await ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
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
            var polled = await ReadAsync(key, authOptions, cancellationToken).ConfigureAwait(false);
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
        await WriteAsync(key, token, authOptions, cancellationToken).ConfigureAwait(false);
        return token;
    }

    private async Task<ReadResult> ReadAsync(string key, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        byte[]? stored;
        try
        {
            stored = await BoundAsync(ct => _store.GetAsync(key, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _storeHealth.Failed(Describe(ex), ex is TimeoutException ? null : ex);
            return new ReadResult(null, StoreAnswered: false);
        }

        if (stored is null)
        {
            _storeHealth.Succeeded();
            return new ReadResult(null, StoreAnswered: true);
        }

        var token = _format.TryRead(key, stored);
        if (token is null)
        {
            // Garbage, or encrypted with keys this replica lacks: a miss, and the new token overwrites it.
            _storeHealth.Failed(_format.Encrypts
                ? "the stored entry could not be decrypted or read (do all replicas share the Data Protection key ring?)"
                : "the stored entry could not be read", exception: null);
            return new ReadResult(null, StoreAnswered: true);
        }

        _storeHealth.Succeeded();
        if (!IsFresh(token, authOptions))
        {
            // Due for refresh: handing it to the TokenCache would make it refresh again at once, in a loop.
            return new ReadResult(null, StoreAnswered: true);
        }

        Log.SharedTokenUsed(_logger, _credential, token.ExpiresAt);
        return new ReadResult(token, StoreAnswered: true);
    }

    private async Task WriteAsync(string key, OrumAccessToken token, OrumAuthOptions authOptions, CancellationToken cancellationToken)
    {
        // The same margin as the TokenCache: no replica ever reads a token it would not hand out.
        var lifetime = token.ExpiresIn;
        var margin = authOptions.ExpiryMargin > lifetime / 10 ? lifetime / 10 : authOptions.ExpiryMargin;
        var keepFor = token.ExpiresAt - margin - _timeProvider.GetUtcNow();
        if (keepFor <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            var stored = _format.Write(key, token);
            var entry = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = keepFor };
            await BoundAsync(async ct =>
            {
                await _store.SetAsync(key, stored, entry, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            _storeHealth.Succeeded();
            Log.SharedTokenStored(_logger, _credential, keepFor);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _storeHealth.Failed(Describe(ex), ex is TimeoutException ? null : ex);
        }
        catch (OperationCanceledException)
        {
            // The caller stopped waiting; the token it asked for is still the answer.
        }
    }

    private async Task<bool?> TryTakeLockAsync(RedisTokenLock tokenLock, string lockKey, string owner, CancellationToken cancellationToken)
    {
        try
        {
            var taken = await BoundAsync(_ => tokenLock.TryTakeAsync(lockKey, owner, _options.LockTimeout), cancellationToken).ConfigureAwait(false);
            _lockHealth.Succeeded();
            return taken;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _lockHealth.Failed(Describe(ex), ex is TimeoutException ? null : ex);
            return null;
        }
    }

    private async Task ReleaseLockAsync(RedisTokenLock tokenLock, string lockKey, string owner)
    {
        try
        {
            // Not the caller's token: a lock left behind would make the fleet wait for its expiry.
            await BoundAsync(_ => tokenLock.ReleaseAsync(lockKey, owner), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // It expires on its own after LockTimeout.
            _lockHealth.Failed(Describe(ex), ex is TimeoutException ? null : ex);
        }
    }

    /// <summary>Runs one store operation for at most <see cref="OrumDistributedTokenCacheOptions.StoreTimeout"/>, even if the store ignores cancellation.</summary>
    private async Task<T> BoundAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.StoreTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var task = operation(linked.Token);
        try
        {
            return await task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"no answer within {_options.StoreTimeout.TotalSeconds:0.###} s"), ex);
        }
        finally
        {
            if (!task.IsCompleted)
            {
                // Abandoned: observe its eventual failure so it is never an unobserved task exception.
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private bool IsFresh(OrumAccessToken token, OrumAuthOptions authOptions)
    {
        // TokenCache's refresh point: RefreshBeforeExpiry before expiry, or half-life for tokens shorter than twice that.
        var lifetime = token.ExpiresIn;
        var refreshBefore = lifetime < authOptions.RefreshBeforeExpiry * 2 ? lifetime / 2 : authOptions.RefreshBeforeExpiry;
        return token.ExpiresAt - _timeProvider.GetUtcNow() > refreshBefore;
    }

    private static string Describe(Exception error) =>
        error is TimeoutException ? error.Message : error.GetType().Name;

    private readonly record struct ReadResult(OrumAccessToken? Token, bool StoreAnswered);
}
