using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using Polly;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>
/// Attacks on the fleet's bound (README "Sharing one token across replicas"): a Retry-After or cool-down is shared
/// through the store, so 20 replicas against a 429 with Retry-After 60 make one request that minute. Here the replicas'
/// clocks disagree, as clocks of different machines do.
/// </summary>
public sealed class BoundAttackTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Orum answers 429 with Retry-After: 600 (its documented 10-minute block). One replica's clock is 2 minutes behind
    /// the others'. The shared failure's end is an absolute instant of the writer's clock; to the slow replica it lies
    /// 12 minutes ahead, past the 11-minute sanity bound, so it is treated as a corrupt entry: a miss, removed from the
    /// store, and that replica asks Orum again at once, during the block.
    /// </summary>
    [Fact]
    public async Task RateLimited600_OneReplicaClockTwoMinutesBehind_NoSecondRequestDuringTheBlock()
    {
        var time = new FakeTimeProvider(Start);
        var behind = new FakeTimeProvider(Start - TimeSpan.FromMinutes(2));
        var endpoint = new TokenEndpoint { Clock = time, Next = Answer.RateLimited(TimeSpan.FromSeconds(600)) };
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: behind, auth: NoRetries);
        await using var c = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries);

        await Assert.ThrowsAsync<OrumRateLimitedException>(() => a.GetTokenAsync());
        Advance(TimeSpan.FromSeconds(1), time, behind);
        await Assert.ThrowsAnyAsync<OrumAuthException>(() => b.GetTokenAsync());
        var removedByB = store.Removes;
        Advance(TimeSpan.FromSeconds(1), time, behind);
        await Assert.ThrowsAnyAsync<OrumAuthException>(() => c.GetTokenAsync());

        Assert.True(endpoint.Requests == 1, $"token requests in the first 2 s of a 10-minute Retry-After: {endpoint.Requests} (promised 1); store removals by the slow replica's read (the fleet's failure entry judged corrupt): {removedByB}");
    }

    /// <summary>
    /// Retry-After: 60, and one replica's clock is 10 s ahead: a shared wait ends on the writer's clock, so the replica
    /// reads it as 10 s shorter. The documented limit: a replica's skew shortens a shared wait by that much, never more
    /// (replicas' clocks must agree within seconds, as token expiry already requires).
    /// </summary>
    [Fact]
    public async Task RateLimited60_OneReplicaClockTenSecondsAhead_WaitsTheMinuteLessItsSkew()
    {
        var time = new FakeTimeProvider(Start);
        var ahead = new FakeTimeProvider(Start + TimeSpan.FromSeconds(10));
        var endpoint = new TokenEndpoint { Clock = time, Next = Answer.RateLimited(TimeSpan.FromSeconds(60)) };
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: ahead, auth: NoRetries);

        await Assert.ThrowsAsync<OrumRateLimitedException>(() => a.GetTokenAsync());
        var firstSecondRequestAt = (TimeSpan?)null;
        for (var second = 1; second < 60; second++)
        {
            Advance(TimeSpan.FromSeconds(1), time, ahead);
            await Assert.ThrowsAnyAsync<OrumAuthException>(() => b.GetTokenAsync());
            if (endpoint.Requests > 1 && firstSecondRequestAt is null)
            {
                firstSecondRequestAt = TimeSpan.FromSeconds(second);
            }
        }

        Assert.True(firstSecondRequestAt is null || firstSecondRequestAt >= TimeSpan.FromSeconds(50), $"the second token request came {firstSecondRequestAt?.TotalSeconds} s into the 60 s Orum asked for, more than the 10 s skew early");
        Assert.InRange(endpoint.Requests, 1, 2);
    }

    /// <summary>The control: the same clock everywhere, 20 replicas, Retry-After 600: one request for the 10 minutes.</summary>
    [Fact]
    public async Task RateLimited600_TwentyReplicasOneClock_OneRequestInTenMinutes()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time, Next = Answer.RateLimited(TimeSpan.FromSeconds(600)) };
        var store = new FakeStore();
        var replicas = Enumerable.Range(0, 20)
            .Select(_ => Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries))
            .ToList();
        try
        {
            for (var second = 0; second < 599; second += 7)
            {
                foreach (var replica in replicas)
                {
                    await Assert.ThrowsAnyAsync<OrumAuthException>(() => replica.GetTokenAsync());
                }

                time.Advance(TimeSpan.FromSeconds(7));
            }

            Assert.Equal(1, endpoint.Requests);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static void Advance(TimeSpan by, params FakeTimeProvider[] clocks)
    {
        foreach (var clock in clocks)
        {
            clock.Advance(by);
        }
    }

    private static void NoRetries(IOrumAuthBuilder builder) =>
        builder.TokenResilience.Configure(o => o.Retry.ShouldHandle = static _ => PredicateResult.False());

    private static void Plain(OrumDistributedTokenCacheOptions options) => options.AllowUnencryptedStorage = true;
}
