using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

/// <summary>A 429 with Retry-After that one replica gets holds the whole fleet back until the wait is over.</summary>
public sealed class RateLimitTests
{
    private const int Replicas = 20;
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [RedisFact]
    public async Task GetTokenAsync_TwentyReplicasRateLimitedWithRetryAfter60_OneRequestInThatMinute()
    {
        await using var redis = await RedisServer.StartAsync();
        var clock = new WatchedClock(Start);
        var endpoint = new TokenEndpoint
        {
            Clock = clock,
            Gate = new(TaskCreationOptions.RunContinuationsAsynchronously),
            Next = Answer.RateLimited(TimeSpan.FromSeconds(60)), // for the whole minute, to whoever asks
        };
        var logs = new LogSink();
        var protection = new EphemeralDataProtectionProvider();
        var replicas = new List<ServiceProvider>();
        ServiceProvider StartReplica() => Replica.Create(endpoint, RedisReplicas.Store(redis, protection), o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.StoreTimeout = FleetClock.StoreTimeout;
        }, logs: logs, timeProvider: clock);
        try
        {
            replicas.AddRange(Enumerable.Range(0, Replicas).Select(_ => StartReplica()));
            var calls = replicas.Select(r => r.Tokens().GetTokenAsync().AsTask()).ToList();

            // One replica holds the lock; its request is answered once the 19 others are waiting for it.
            await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await logs.WhenAsync(l => l.Count(LogSink.WaitingForOtherReplica) >= Replicas - 1).WaitAsync(TimeSpan.FromSeconds(10));
            endpoint.Gate.SetResult();
            await clock.RunAsync(endpoint, calls, TimeSpan.FromSeconds(30));

            Assert.Equal(1, endpoint.Requests);
            foreach (var call in calls)
            {
                var refused = await Assert.ThrowsAsync<OrumRateLimitedException>(() => call);
                Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
            }

            // Half-way through the minute, the fleet calls again and five replicas start: still nobody asks.
            clock.Advance(TimeSpan.FromSeconds(30) - (clock.GetUtcNow() - Start));
            replicas.AddRange(Enumerable.Range(0, 5).Select(_ => StartReplica()));
            foreach (var replica in replicas)
            {
                var refused = await Assert.ThrowsAsync<OrumRateLimitedException>(() => replica.GetTokenAsync());
                Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(60));
            }

            Assert.Equal(1, endpoint.Requests);

            // The minute is over: one request for the fleet.
            clock.Advance(TimeSpan.FromSeconds(61) - (clock.GetUtcNow() - Start));
            endpoint.Next = null;
            calls = replicas.Select(r => r.Tokens().GetTokenAsync().AsTask()).ToList();
            await clock.RunAsync(endpoint, calls, TimeSpan.FromSeconds(30));

            Assert.Equal(2, endpoint.Requests);
            Assert.All(calls, c => Assert.Equal(endpoint.TokenValue(2), c.Result.Value));
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
