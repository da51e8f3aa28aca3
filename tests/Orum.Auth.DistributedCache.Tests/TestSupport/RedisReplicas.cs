using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>How the Redis tests wire a replica's store, and how they look at what it wrote.</summary>
internal static class RedisReplicas
{
    /// <summary>RedisCache (Microsoft.Extensions.Caching.StackExchangeRedis) as the IDistributedCache, and Data Protection with the fleet's shared keys.</summary>
    public static Action<IServiceCollection> Store(RedisServer redis, IDataProtectionProvider? protection) => services =>
    {
        services.AddStackExchangeRedisCache(o => o.Configuration = redis.Configuration);
        if (protection is not null)
        {
            services.AddSingleton(protection);
        }
    };

    /// <summary>The key of the one token entry in Redis (the lock is released before a token request returns).</summary>
    public static async Task<string> SingleTokenKeyAsync(IConnectionMultiplexer connection)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "orum-auth:token:*"))
        {
            keys.Add(key!);
        }

        return Assert.Single(keys);
    }

    /// <summary>The key of the one lock in Redis, taken by the replica now requesting a token.</summary>
    public static async Task<string> SingleLockKeyAsync(IConnectionMultiplexer connection)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "orum-auth:token:*:lock"))
        {
            keys.Add(key!);
        }

        return Assert.Single(keys);
    }

    /// <summary>The bytes RedisCache stored for <paramref name="key"/> (it keeps an entry as a hash with a "data" field).</summary>
    public static async Task<byte[]> RawValueAsync(IConnectionMultiplexer connection, string key)
    {
        var value = await connection.GetDatabase().HashGetAsync(key, "data");
        Assert.True(value.HasValue, $"no data field under {key}");
        return (byte[])value!;
    }
}
