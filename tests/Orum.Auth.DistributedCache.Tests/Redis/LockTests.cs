using Microsoft.AspNetCore.DataProtection;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Tests.Redis;

/// <summary>What a replica does while another one holds the lock: wait for its token, but never forever.</summary>
public sealed class LockTests
{
    private const int OtherReplicaTooSlow = 105;

    [RedisFact]
    public async Task GetTokenAsync_LockHolderNeverShares_RequestsDirectlyAfterWaitForOtherReplica()
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
            o.WaitForOtherReplica = TimeSpan.FromMilliseconds(300);
        }, logs: logs);
        var token = await b.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(2), token.Value);
        Assert.Equal(1, logs.Count(LogSink.WaitingForOtherReplica));
        Assert.Equal(1, logs.Count(OtherReplicaTooSlow));
        Assert.Equal("another-replica", (string?)await connection.GetDatabase().StringGetAsync(key + ":lock")); // never taken from its holder
        Assert.True(await connection.GetDatabase().KeyExistsAsync(key), "the token requested after the wait was not shared");
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
        Assert.Equal(0, logs.Count(OtherReplicaTooSlow)); // it did not sit out the 30 s
        Assert.False(await connection.GetDatabase().KeyExistsAsync(key + ":lock"), "the lock was not released");
        Assert.True(await connection.GetDatabase().KeyExistsAsync(key));
    }

    /// <summary>Shares a first token, drops it (as if expired), and takes its lock on behalf of a replica that never answers.</summary>
    private static async Task<string> HoldLockForAnotherReplicaAsync(RedisServer redis, ConnectionMultiplexer connection, TokenEndpoint endpoint, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> store)
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
