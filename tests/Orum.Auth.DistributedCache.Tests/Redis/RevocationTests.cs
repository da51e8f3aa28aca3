using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

/// <summary>A token Orum revokes leaves Redis by compare-and-delete, and the fleet replaces it with one request.</summary>
public sealed class RevocationTests
{
    private const int Replicas = 20;

    [RedisFact]
    public async Task SendAsync_TokenRevokedAtOrumWhileTwentyReplicasCall_One401EachAndOneTokenRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint();
        var api = new FakeApi();
        var protection = new EphemeralDataProtectionProvider();
        var replicas = new List<ServiceProvider>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                replicas.Add(Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o =>
                {
                    o.RedisConfiguration = redis.Configuration;

                    // Longer than the test's bounds, so a slow machine fails with a clear timeout, never a second request.
                    o.StoreTimeout = TimeSpan.FromSeconds(10);
                    o.LockTimeout = TimeSpan.FromSeconds(30);
                    o.WaitForOtherReplica = TimeSpan.FromSeconds(30);
                }, more: api.AddClient));
            }

            foreach (var replica in replicas)
            {
                Assert.Equal(HttpStatusCode.OK, (await CallAsync(replica)).StatusCode);
            }

            api.Revoke(endpoint.TokenValue(1));
            var responses = await Task.WhenAll(replicas.Select(CallAsync));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(2, endpoint.Requests);
            Assert.Equal(Replicas, api.Unauthorized);

            // A replica that starts now reads the replacement.
            await using var late = Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o => o.RedisConfiguration = redis.Configuration);
            Assert.Equal(endpoint.TokenValue(2), (await late.GetTokenAsync()).Value);
            Assert.Equal(2, endpoint.Requests);
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
    public async Task Invalidate_NewerTokenSharedBetweenReadAndDelete_NewerTokenStays()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint();
        var protection = new EphemeralDataProtectionProvider();
        void Lock(OrumDistributedTokenCacheOptions o) => o.RedisConfiguration = redis.Configuration;
        var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions { Configuration = redis.Configuration }));
        var holding = new HoldingCache(cache);
        var logsA = new LogSink();
        await using var a = Replica.Create(endpoint, s =>
        {
            s.AddSingleton<IDistributedCache>(holding);
            s.AddSingleton<IDataProtectionProvider>(protection);
        }, Lock, logs: logsA);
        await using var b = Replica.Create(endpoint, RedisReplicas.Store(redis, protection), Lock);
        var first = await a.GetTokenAsync();
        Assert.Equal(first.Value, (await b.GetTokenAsync()).Value);

        // a reads the rejected token back from Redis to delete it, and is held there...
        var held = holding.HoldNextRead();
        a.Tokens().Invalidate(first);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // ...while b, told of the same 401, deletes it and shares its replacement.
        b.Tokens().Invalidate(first);
        var second = await b.GetTokenAsync();
        Assert.Equal(endpoint.TokenValue(2), second.Value);

        held.Released.SetResult();
        await logsA.WhenAsync(l => l.Count(LogSink.RejectedTokenForgotten) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        await using var c = Replica.Create(endpoint, RedisReplicas.Store(redis, protection), Lock);
        Assert.Equal(second.Value, (await c.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    [RedisFact]
    public async Task Invalidate_CacheWithInstanceName_RejectedTokenRemovedThroughTheCache()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var protection = new EphemeralDataProtectionProvider();
        var logs = new LogSink();
        void Store(IServiceCollection s)
        {
            // RedisCache prefixes its keys: the lock's connection cannot find the entry, the cache itself must remove it.
            s.AddStackExchangeRedisCache(o =>
            {
                o.Configuration = redis.Configuration;
                o.InstanceName = "made-up-app:";
            });
            s.AddSingleton<IDataProtectionProvider>(protection);
        }

        await using var a = Replica.Create(endpoint, Store, o => o.RedisConfiguration = redis.Configuration, logs: logs);
        var first = await a.GetTokenAsync();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        Assert.Single(server.Keys(pattern: "made-up-app:orum-auth:token:*"));

        a.Tokens().Invalidate(first);
        await logs.WhenAsync(l => l.Count(LogSink.RejectedTokenForgotten) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(server.Keys(pattern: "made-up-app:orum-auth:token:*"));
    }

    private static Task<HttpResponseMessage> CallAsync(IServiceProvider replica) =>
        replica.Api().GetAsync(new Uri("v1/deliveries", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));
}
