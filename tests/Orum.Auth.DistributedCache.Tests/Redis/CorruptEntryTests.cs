using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

public sealed class CorruptEntryTests
{
    [RedisTheory]
    [InlineData("random bytes")]
    [InlineData("forged plain-text entry")] // someone who can write to Redis but lacks the Data Protection keys
    [InlineData("truncated")]
    public async Task GetTokenAsync_CorruptEntry_MissDirectRequestAndEntryReplaced(string corruption)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var protection = new EphemeralDataProtectionProvider();
        var store = RedisReplicas.Store(redis, protection);
        void Lock(OrumDistributedTokenCacheOptions o) => o.RedisConfiguration = redis.Configuration;
        await using var a = Replica.Create(endpoint, store, Lock);
        await a.GetTokenAsync();
        var key = await RedisReplicas.SingleTokenKeyAsync(connection);
        var stored = await RedisReplicas.RawValueAsync(connection, key);
        var garbage = corruption switch
        {
            "random bytes" => RandomNumberGenerator.GetBytes(80),
            "truncated" => stored[..(stored.Length / 2)],
            _ => Encoding.UTF8.GetBytes($$"""{"value":"forged-token","token_type":"Bearer","expires_in":3600,"issued_at":"{{TimeProvider.System.GetUtcNow():O}}"}"""),
        };
        await connection.GetDatabase().HashSetAsync(key, "data", garbage);

        var logs = new LogSink();
        await using var b = Replica.Create(endpoint, store, Lock, logs: logs);
        var token = await b.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(2), token.Value);
        Assert.Equal(2, endpoint.Requests);
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));

        // The new token replaced the corrupt entry: the next replica reads it.
        await using var c = Replica.Create(endpoint, store, Lock);
        Assert.Equal(token.Value, (await c.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    [RedisFact]
    public async Task GetTokenAsync_KeyHoldsAnotherRedisType_MissAndDirectRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var store = RedisReplicas.Store(redis, new EphemeralDataProtectionProvider());
        await using var a = Replica.Create(endpoint, store);
        await a.GetTokenAsync();
        var key = await RedisReplicas.SingleTokenKeyAsync(connection);
        await connection.GetDatabase().KeyDeleteAsync(key);
        await connection.GetDatabase().StringSetAsync(key, "garbage"); // RedisCache's hash commands now fail with WRONGTYPE

        var logs = new LogSink();
        await using var b = Replica.Create(endpoint, store, logs: logs);
        var token = await b.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(2), token.Value);
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
    }
}
