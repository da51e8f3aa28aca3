using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Tests.Redis;

/// <summary>
/// What a replica does while another one holds the lock: wait for its token while the holder renews the lock, however
/// slow Orum is, but never for a holder that stopped renewing, and never past its own TokenRequestTimeout.
/// </summary>
public sealed class LockTests
{
    private const int Replicas = 20;
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [RedisFact]
    public async Task GetTokenAsync_TwentyReplicasAndTwelveSecondTokenEndpoint_OneTokenRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        var clock = new WatchedClock(Start);
        var endpoint = new TokenEndpoint { Clock = clock, Latency = TimeSpan.FromSeconds(12) };
        var logs = new LogSink();
        var protection = new EphemeralDataProtectionProvider();
        var replicas = new List<ServiceProvider>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                // LockTimeout and WaitForOtherReplica keep their defaults (10 s and 5 s): the request outlives both.
                replicas.Add(Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o =>
                {
                    o.RedisConfiguration = redis.Configuration;
                    o.StoreTimeout = FleetClock.StoreTimeout;
                }, logs: logs, timeProvider: clock, auth: SlowAttempts));
            }

            var calls = replicas.Select(r => r.Tokens().GetTokenAsync().AsTask()).ToList();
            await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await logs.WhenAsync(l => l.Count(LogSink.WaitingForOtherReplica) >= Replicas - 1).WaitAsync(TimeSpan.FromSeconds(10));
            await clock.RunAsync(endpoint, calls, TimeSpan.FromSeconds(25));

            Assert.Equal(1, endpoint.Requests);
            Assert.All(calls, c => Assert.Equal(endpoint.TokenValue(1), c.Result.Value));
            Assert.InRange(logs.Count(LogSink.LockRenewed), 5, 8); // every third of WaitForOtherReplica (1.67 s), for 12 s
            Assert.Equal(0, logs.Count(LogSink.LockTakenOver));
            Assert.Equal(0, logs.Count(LogSink.OtherReplicaTooSlow));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [RedisFact]
    public async Task GetTokenAsync_RequestOutlivesLockTimeout_HolderRenewsItsLock()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var database = connection.GetDatabase();
        var clock = new WatchedClock(Start);
        var endpoint = new TokenEndpoint { Clock = clock, Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, RedisReplicas.Store(redis, new EphemeralDataProtectionProvider()), o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.StoreTimeout = FleetClock.StoreTimeout;
        }, logs: logs, timeProvider: clock);
        var call = a.Tokens().GetTokenAsync().AsTask();
        await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lockKey = await RedisReplicas.SingleLockKeyAsync(connection);
        var taken = (string)(await database.StringGetAsync(lockKey))!;

        // As if most of LockTimeout had passed: only a renewal keeps the lock past the request.
        await database.KeyExpireAsync(lockKey, TimeSpan.FromSeconds(4));
        clock.Advance(TimeSpan.FromSeconds(2));
        await logs.WhenAsync(l => l.Count(LogSink.LockRenewed) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        var renewed = (string)(await database.StringGetAsync(lockKey))!;
        Assert.InRange((await database.KeyTimeToLiveAsync(lockKey))!.Value, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10));
        Assert.NotEqual(taken, renewed); // waiters see each renewal as a sign of life
        Assert.Equal(Owner(taken), Owner(renewed));

        endpoint.Gate.SetResult();
        Assert.Equal(endpoint.TokenValue(1), (await call.WaitAsync(TimeSpan.FromSeconds(10))).Value);
        Assert.False(await database.KeyExistsAsync(lockKey), "the lock was not released");
    }

    [RedisFact]
    public async Task GetTokenAsync_LockTakenByAnotherReplicaMidRequest_FormerHolderNeverRenewsOrReleasesIt()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var database = connection.GetDatabase();
        var clock = new WatchedClock(Start);
        var endpoint = new TokenEndpoint { Clock = clock, Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, RedisReplicas.Store(redis, new EphemeralDataProtectionProvider()), o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.StoreTimeout = FleetClock.StoreTimeout;
        }, logs: logs, timeProvider: clock);
        var call = a.Tokens().GetTokenAsync().AsTask();
        await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lockKey = await RedisReplicas.SingleLockKeyAsync(connection);

        // The lock expired under its holder (a long pause, say) and another replica took it.
        await database.StringSetAsync(lockKey, "another-replica.0", TimeSpan.FromSeconds(60));
        clock.Advance(TimeSpan.FromSeconds(2));
        await logs.WhenAsync(l => l.Count(LogSink.LockLost) == 1).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("another-replica.0", (string?)await database.StringGetAsync(lockKey));

        endpoint.Gate.SetResult();
        Assert.Equal(endpoint.TokenValue(1), (await call.WaitAsync(TimeSpan.FromSeconds(10))).Value);

        Assert.Equal("another-replica.0", (string?)await database.StringGetAsync(lockKey));
        Assert.Equal(0, logs.Count(LogSink.LockRenewed));
        Assert.Equal(1, logs.Count(LogSink.LockLost));
    }

    [RedisFact]
    public async Task GetTokenAsync_LockHolderSilentForWaitForOtherReplica_OneWaiterTakesTheLockOverAndTheFleetRequestsOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var store = RedisReplicas.Store(redis, new EphemeralDataProtectionProvider());
        var key = await HoldLockForAnotherReplicaAsync(redis, connection, endpoint, store);

        var logs = new LogSink();
        var replicas = Enumerable.Range(0, 5).Select(_ => Replica.Create(endpoint, store, o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.WaitForOtherReplica = TimeSpan.FromMilliseconds(300);
        }, logs: logs)).ToList();
        try
        {
            var tokens = await Task.WhenAll(replicas.Select(r => r.GetTokenAsync()));

            Assert.All(tokens, t => Assert.Equal(endpoint.TokenValue(2), t.Value));
            Assert.Equal(2, endpoint.Requests);
            Assert.Equal(1, logs.Count(LogSink.LockTakenOver));
            Assert.Equal(0, logs.Count(LogSink.OtherReplicaTooSlow));
            Assert.False(await connection.GetDatabase().KeyExistsAsync(key + ":lock"), "the lock taken over was not released");
            Assert.True(await connection.GetDatabase().KeyExistsAsync(key), "the token requested after the take-over was not shared");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [RedisFact]
    public async Task GetTokenAsync_LockHolderGivesUp_WaitingReplicaTakesTheLockAndRequests()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var store = RedisReplicas.Store(redis, new EphemeralDataProtectionProvider());
        var key = await HoldLockForAnotherReplicaAsync(redis, connection, endpoint, store);

        var logs = new LogSink();
        await using var b = Replica.Create(endpoint, store, o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.WaitForOtherReplica = TimeSpan.FromSeconds(30);
        }, logs: logs);
        var call = b.GetTokenAsync();
        await logs.WhenAsync(l => l.Count(LogSink.WaitingForOtherReplica) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        // The holder failed (its token request was refused, say) and released the lock without sharing a token.
        await connection.GetDatabase().KeyDeleteAsync(key + ":lock");
        var token = await call;

        Assert.Equal(endpoint.TokenValue(2), token.Value);
        Assert.Equal(0, logs.Count(LogSink.OtherReplicaTooSlow)); // it did not sit out the 30 s
        Assert.Equal(0, logs.Count(LogSink.LockTakenOver));
        Assert.False(await connection.GetDatabase().KeyExistsAsync(key + ":lock"), "the lock was not released");
        Assert.True(await connection.GetDatabase().KeyExistsAsync(key));
    }

    [RedisFact]
    public async Task GetTokenAsync_HolderRenewsPastTokenRequestTimeout_WaiterTimesOutWithoutRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var database = connection.GetDatabase();
        var clock = new WatchedClock(Start);
        var endpoint = new TokenEndpoint { Clock = clock };
        var store = RedisReplicas.Store(redis, new EphemeralDataProtectionProvider());
        var key = await HoldLockForAnotherReplicaAsync(redis, connection, endpoint, store);

        var logs = new LogSink();
        await using var b = Replica.Create(endpoint, store, o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.StoreTimeout = FleetClock.StoreTimeout;
        }, logs: logs, timeProvider: clock);
        var call = b.Tokens().GetTokenAsync().AsTask();
        await logs.WhenAsync(l => l.Count(LogSink.WaitingForOtherReplica) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        // The holder is alive and renews every second; Orum never answers it. b gives up at its TokenRequestTimeout (30 s).
        var renewals = 0;
        await clock.AdvanceUntilDoneAsync(
            [call],
            pending => FleetClock.Parked(clock, endpoint, pending),
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(40),
            beforeStep: () => database.StringSet(key + ":lock", $"another-replica.{++renewals}", TimeSpan.FromSeconds(60)));

        var timedOut = await Assert.ThrowsAsync<OrumNetworkException>(() => call);
        Assert.True(timedOut.IsTimeout);
        Assert.InRange(clock.GetUtcNow() - Start, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(31));
        Assert.Equal(1, endpoint.Requests); // the first replica's, before the test took the lock
        Assert.Equal(0, logs.Count(LogSink.LockTakenOver));
    }

    /// <summary>A 12-second answer fits in one attempt: the pipeline's 10-second attempt timeout would otherwise retry it.</summary>
    private static void SlowAttempts(IOrumAuthBuilder builder) =>
        builder.TokenResilience.Configure(o => o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(20));

    private static string Owner(string lockValue) => lockValue[..lockValue.LastIndexOf('.')];

    /// <summary>Shares a first token, drops it (as if expired), and takes its lock on behalf of a replica that never answers.</summary>
    private static async Task<string> HoldLockForAnotherReplicaAsync(RedisServer redis, ConnectionMultiplexer connection, TokenEndpoint endpoint, Action<IServiceCollection> store)
    {
        await using (var a = Replica.Create(endpoint, store, o => o.RedisConfiguration = redis.Configuration))
        {
            await a.GetTokenAsync();
        }

        var key = await RedisReplicas.SingleTokenKeyAsync(connection);
        var database = connection.GetDatabase();
        await database.KeyDeleteAsync(key);
        Assert.True(await database.StringSetAsync(key + ":lock", "another-replica", TimeSpan.FromSeconds(60), When.NotExists));
        return key;
    }
}
