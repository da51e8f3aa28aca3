using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>A token Orum rejects (401) leaves the shared store, and the fleet replaces it with one token request.</summary>
public sealed class RejectedTokenTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SendAsync_TokenRevokedAtOrum_EachReplicaGetsOne401AndTheFleetMakesOneTokenRequest()
    {
        const int Replicas = 5;
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var api = new FakeApi();
        var store = new FakeStore();
        var replicas = Enumerable.Range(0, Replicas)
            .Select(_ => Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, more: api.AddClient))
            .ToList();
        try
        {
            foreach (var replica in replicas)
            {
                Assert.Equal(HttpStatusCode.OK, (await CallAsync(replica)).StatusCode);
            }

            Assert.Equal(1, endpoint.Requests);

            // Orum revokes the shared token server-side, 5 minutes into its hour.
            time.Advance(TimeSpan.FromMinutes(5));
            api.Revoke(endpoint.TokenValue(1));
            foreach (var replica in replicas)
            {
                Assert.Equal(HttpStatusCode.OK, (await CallAsync(replica)).StatusCode); // a 401, then the replay with the fleet's new token
            }

            Assert.Equal(2, endpoint.Requests);
            Assert.Equal(Replicas, api.Unauthorized);
            Assert.False(store.Holds(endpoint.TokenValue(1)), "the revoked token is still in the store");

            // For the rest of the hour: no 401, no request.
            time.Advance(TimeSpan.FromMinutes(30));
            foreach (var replica in replicas)
            {
                Assert.Equal(HttpStatusCode.OK, (await CallAsync(replica)).StatusCode);
            }

            Assert.Equal(2, endpoint.Requests);
            Assert.Equal(Replicas, api.Unauthorized);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Invalidate_OldTokenReportedLate_NewerSharedTokenStays()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var store = new FakeStore();
        var logsB = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, logs: logsB, timeProvider: time);
        await using var c = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        var first = await a.GetTokenAsync();
        time.Advance(TimeSpan.FromMinutes(5));
        a.Tokens().Invalidate(first);
        var second = await a.GetTokenAsync();
        Assert.Equal(endpoint.TokenValue(2), second.Value);

        // A request that carried the first token gets its 401 late, on another replica.
        b.Tokens().Invalidate(first);
        await logsB.WhenAsync(l => l.Count(LogSink.RejectedTokenForgotten) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(store.Holds(second.Value), "the newer token was removed from the store");
        Assert.Equal(second.Value, (await c.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    [Fact]
    public async Task Invalidate_SameTokenReportedByFiftyRequests_OneRemovalAndOneTokenRequest()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var store = new FakeStore();
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, logs: logs, timeProvider: time);
        var first = await a.GetTokenAsync();
        time.Advance(TimeSpan.FromMinutes(5));

        for (var i = 0; i < 50; i++)
        {
            a.Tokens().Invalidate(first);
        }

        var second = await a.GetTokenAsync();
        await logs.WhenAsync(l => l.Count(LogSink.RejectedTokenForgotten) == 50).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(endpoint.TokenValue(2), second.Value);
        Assert.Equal(1, store.Removes);
        Assert.Equal(2, endpoint.Requests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invalidate_StoreHangingOrDown_ReturnsAtOnceAndTheReplacementIsRequested(bool hangs)
    {
        var behaviour = hangs ? FakeStore.Behaviour.Hangs : FakeStore.Behaviour.Throws;
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), o =>
        {
            o.AllowUnencryptedStorage = true;
            o.StoreTimeout = TimeSpan.FromMilliseconds(200);
        }, logs: logs);
        var first = await a.GetTokenAsync();
        store.Mode = behaviour;

        // Off the calling thread, so an Invalidate that waited for the store would fail the bound rather than hang the test.
        await Task.Run(() => a.Tokens().Invalidate(first)).WaitAsync(TimeSpan.FromSeconds(10));
        var second = await a.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(2), second.Value);
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
    }

    private static Task<HttpResponseMessage> CallAsync(IServiceProvider replica) =>
        replica.Api().GetAsync(new Uri("v1/deliveries", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));

    private static void Plain(OrumDistributedTokenCacheOptions options) => options.AllowUnencryptedStorage = true;
}
