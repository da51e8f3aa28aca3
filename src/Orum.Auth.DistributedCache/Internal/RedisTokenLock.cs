using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// The fleet-wide lock, in Lua scripts so that each step is atomic: <c>SET key value NX PX expiry</c> to take it (or learn
/// who holds it), owner-checked renewal and release, the take-over of a holder that went silent, and the compare-and-delete
/// of a rejected token's entry. Callers bound every call with their own timeout; a connection this class opens never
/// aborts on a failed connect, fails fast while Redis is down, and reconnects in the background.
/// </summary>
internal sealed class RedisTokenLock : IDisposable, IAsyncDisposable
{
    // Each script reads and writes one key, so it runs atomically, also on a cluster. The lock's value is "{owner}.{n}": the
    // owner renews it by writing n + 1, which waiting replicas see as a sign of life, and only the owner renews or releases it.
    private const string TakeScript = """
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        return redis.call('get', KEYS[1])
        """;

    private const string RenewScript = """
        local value = redis.call('get', KEYS[1])
        if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
            redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
        end
        return 0
        """;

    private const string TakeOverScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then
            redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
        end
        return 0
        """;

    private const string ReleaseScript = """
        local value = redis.call('get', KEYS[1])
        if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
            return redis.call('del', KEYS[1])
        end
        return 0
        """;

    // RedisCache keeps an entry as a hash with a "data" field; a plain string is accepted too.
    private const string CompareAndDeleteScript = """
        local kind = redis.call('type', KEYS[1]).ok
        local value
        if kind == 'hash' then
            value = redis.call('hget', KEYS[1], 'data')
        elseif kind == 'string' then
            value = redis.call('get', KEYS[1])
        end
        if not value then return -1 end
        if value == ARGV[1] then
            redis.call('del', KEYS[1])
            return 1
        end
        return 0
        """;

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

    internal async Task<LockAttempt> TryTakeAsync(string key, string value, TimeSpan expiry)
    {
        var result = await EvaluateAsync(TakeScript, key, value, Milliseconds(expiry)).ConfigureAwait(false);
        return result.Resp2Type == ResultType.Integer ? new LockAttempt(Taken: true, value) : new LockAttempt(Taken: false, (string?)result);
    }

    /// <summary>Sets <paramref name="next"/> and a new expiry if the lock still holds a value of <paramref name="owner"/>.</summary>
    internal async Task<bool> RenewAsync(string key, string owner, string next, TimeSpan expiry) =>
        (long)await EvaluateAsync(RenewScript, key, owner + ".", next, Milliseconds(expiry)).ConfigureAwait(false) == 1;

    /// <summary>Takes the lock from a holder that went silent, if it still holds exactly <paramref name="seen"/>.</summary>
    internal async Task<bool> TakeOverAsync(string key, string seen, string value, TimeSpan expiry) =>
        (long)await EvaluateAsync(TakeOverScript, key, seen, value, Milliseconds(expiry)).ConfigureAwait(false) == 1;

    /// <summary>Deletes the lock if it still holds a value of <paramref name="owner"/>.</summary>
    internal async Task<bool> ReleaseAsync(string key, string owner) =>
        (long)await EvaluateAsync(ReleaseScript, key, owner + ".").ConfigureAwait(false) == 1;

    /// <summary>
    /// Deletes the entry <paramref name="key"/> of the distributed cache if it still holds exactly <paramref name="stored"/>,
    /// atomically: 1 when deleted, 0 when it holds something else (a newer token), -1 when this Redis has no such entry
    /// (the cache is another store, or prefixes its keys), so the caller must go through the cache instead.
    /// </summary>
    internal async Task<long> CompareAndDeleteAsync(string key, byte[] stored) =>
        (long)await EvaluateAsync(CompareAndDeleteScript, key, stored).ConfigureAwait(false);

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

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private async Task<RedisResult> EvaluateAsync(string script, string key, params RedisValue[] values)
    {
        var connection = await GetConnectionAsync().ConfigureAwait(false);
        return await connection.GetDatabase().ScriptEvaluateAsync(script, [key], values).ConfigureAwait(false);
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

/// <summary>Whether the lock was taken, and otherwise the value it holds (<see langword="null"/> if it expired meanwhile).</summary>
internal readonly record struct LockAttempt(bool Taken, string? Holder);
