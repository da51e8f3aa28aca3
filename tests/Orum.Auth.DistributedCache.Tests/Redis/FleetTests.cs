using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

public sealed class FleetTests
{
    private const int Replicas = 20;

    [RedisFact]
    public async Task GetTokenAsync_TwentyReplicasStartTogether_OneTokenRequest()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var logs = new LogSink();
        var protection = new EphemeralDataProtectionProvider(); // the fleet's shared key ring
        var replicas = new List<ServiceProvider>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                replicas.Add(Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o =>
                {
                    o.RedisConfiguration = redis.Configuration;

                    // Longer than the test's own bounds, so a slow machine (20 replicas connecting at once) fails with a
                    // clear timeout, never with a second request.
                    o.StoreTimeout = TimeSpan.FromSeconds(10);
                    o.LockTimeout = TimeSpan.FromSeconds(30);
                    o.WaitForOtherReplica = TimeSpan.FromSeconds(30);
                }, logs: logs));
            }

            var caches = replicas.Select(r => r.Tokens()).ToList();

            var calls = caches.Select(c => c.GetTokenAsync().AsTask()).ToList();

            // One replica holds the lock and its request is held at the endpoint until the 19 others are waiting for it.
            await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await logs.WhenAsync(l => l.Count(LogSink.WaitingForOtherReplica) >= Replicas - 1).WaitAsync(TimeSpan.FromSeconds(10));
            endpoint.Gate.SetResult();
            var tokens = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(1, endpoint.Requests);
            Assert.All(tokens, t => Assert.Equal(endpoint.TokenValue(1), t.Value));
            Assert.Equal(Replicas - 1, logs.Count(LogSink.WaitingForOtherReplica));
            Assert.Equal(0, logs.Count(LogSink.StoreFailed));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
