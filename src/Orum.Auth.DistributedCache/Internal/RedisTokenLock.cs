using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// The fleet-wide lock: <c>SET key owner NX PX expiry</c> to take it, compare-and-delete to release it (only while it is
/// still ours), through StackExchange.Redis' <c>LockTake</c>/<c>LockRelease</c>. Callers bound every call with their own
/// timeout; a connection this class opens never aborts on a failed connect, fails fast while Redis is down, and
/// reconnects in the background.
/// </summary>
internal sealed class RedisTokenLock : IDisposable, IAsyncDisposable
{
    private readonly IConnectionMultiplexer? _shared;
    private readonly ConfigurationOptions? _configuration;
    private readonly object _gate = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private bool _disposed;

    private RedisTokenLock(IConnectionMultiplexer? shared, ConfigurationOptions? configuration)
    {
        _shared = shared;
        _configuration = configuration;
    }

    /// <summary>A lock over a connection of its own to <paramref name="configuration"/>, opened on first use.</summary>
    internal static RedisTokenLock Connect(string configuration, TimeSpan timeout)
    {
        var options = ConfigurationOptions.Parse(configuration);
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        options.AbortOnConnectFail = false;

        // While Redis is down a lock call fails at once instead of queueing until the timeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = milliseconds;
        options.SyncTimeout = milliseconds;
        options.AsyncTimeout = milliseconds;
        return new RedisTokenLock(null, options);
    }

    /// <summary>A lock over the application's own connection, which it keeps owning.</summary>
    internal static RedisTokenLock Over(IConnectionMultiplexer connection) => new(connection, null);

    internal async Task<bool> TryTakeAsync(string key, string owner, TimeSpan expiry)
    {
        var connection = await GetConnectionAsync().ConfigureAwait(false);
        return await connection.GetDatabase().LockTakeAsync(key, owner, expiry).ConfigureAwait(false);
    }

    internal async Task<bool> ReleaseAsync(string key, string owner)
    {
        var connection = await GetConnectionAsync().ConfigureAwait(false);
        return await connection.GetDatabase().LockReleaseAsync(key, owner).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!TryStop(out var connecting) || connecting is null)
        {
            return;
        }

        if (connecting.IsCompletedSuccessfully)
        {
            connecting.Result.Dispose();
        }
        else
        {
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!TryStop(out var connecting) || connecting is null)
        {
            return;
        }

        if (connecting.IsCompletedSuccessfully)
        {
            await connecting.Result.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private Task<IConnectionMultiplexer> GetConnectionAsync()
    {
        if (_shared is not null)
        {
            return Task.FromResult(_shared);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // A connect that threw (it does not with AbortOnConnectFail = false, but a bad endpoint might) is tried again.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync(_configuration!);
            }

            return _connecting;
        }
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration) =>
        await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);

    /// <summary>Marks the lock disposed; <see langword="false"/> when it already was.</summary>
    private bool TryStop(out Task<IConnectionMultiplexer>? connecting)
    {
        lock (_gate)
        {
            connecting = _disposed ? null : _connecting;
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            return true;
        }
    }
}
