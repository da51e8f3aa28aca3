using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Tests.Redis;

public sealed class RedisOutageTests
{
    [RedisFact]
    public async Task GetTokenAsync_RedisKilledMidRun_DirectRequestsOneWarningPerOutageAndRecovery()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint();
        var protection = new EphemeralDataProtectionProvider();
        var logs = new LogSink();

        // Replica B gets its connection from the test, so the test can see when it reconnects; the same connection is
        // registered as IConnectionMultiplexer, which the distributed token cache uses for its lock.
        await using var connectionB = await redis.ConnectAsync();
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connectionB.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };

        void Fast(OrumDistributedTokenCacheOptions o) => o.StoreTimeout = TimeSpan.FromSeconds(1);
        await using var a = Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o => o.RedisConfiguration = redis.Configuration);
        await using var b = Replica.Create(endpoint, services =>
        {
            services.AddStackExchangeRedisCache(o => o.ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(connectionB));
            services.AddSingleton<IConnectionMultiplexer>(connectionB);
            services.AddSingleton<IDataProtectionProvider>(protection);
        }, Fast, logs: logs);

        var shared = await a.GetTokenAsync();
        Assert.Equal(shared.Value, (await b.GetTokenAsync()).Value);
        Assert.Equal(1, endpoint.Requests);

        // Outage 1: every miss is a direct request, no caller sees an exception, one warning in all.
        await redis.KillAsync();
        var current = shared;
        for (var i = 2; i <= 4; i++)
        {
            b.Tokens().Invalidate(current);
            current = await b.GetTokenAsync();
            Assert.Equal(endpoint.TokenValue(i), current.Value);
        }

        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
        Assert.Equal(0, logs.Count(LogSink.StoreRecovered));

        // Redis is back (empty: no persistence): the next miss uses it again and shares its token with new replicas.
        await redis.RestartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
        b.Tokens().Invalidate(current);
        current = await b.GetTokenAsync();
        Assert.Equal(endpoint.TokenValue(5), current.Value);
        Assert.Equal(1, logs.Count(LogSink.StoreRecovered));
        await using var c = Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o => o.RedisConfiguration = redis.Configuration);
        Assert.Equal(current.Value, (await c.GetTokenAsync()).Value);
        Assert.Equal(5, endpoint.Requests);

        // Outage 2: one more warning.
        await redis.KillAsync();
        b.Tokens().Invalidate(current);
        Assert.Equal(endpoint.TokenValue(6), (await b.GetTokenAsync()).Value);
        Assert.Equal(2, logs.Count(LogSink.StoreFailed));
    }

    [RedisFact]
    public async Task GetTokenAsync_RedisDownAtStart_TokenByDirectRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        var endpoint = new TokenEndpoint();
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, RedisReplicas.Store(redis, new EphemeralDataProtectionProvider()), o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.StoreTimeout = TimeSpan.FromSeconds(1);
        }, logs: logs);

        var token = await a.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(1), token.Value);
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
    }
}
