using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>The second level over a plain IDistributedCache (no lock), with a store that can fail or hang.</summary>
public sealed class DistributedTokenCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetTokenAsync_SecondReplica_ReadsSharedTokenWithoutRequest()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);

        var first = await a.GetTokenAsync();
        var second = await b.GetTokenAsync();

        Assert.Equal(1, endpoint.Requests);
        Assert.Equal(first.Value, second.Value);
        Assert.Equal(first.ExpiresAt, second.ExpiresAt);
        Assert.Equal(first.ExpiresIn, second.ExpiresIn);
    }

    [Fact]
    public async Task GetTokenAsync_StoreKey_FingerprintsCredentialWithoutSecretOrId()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), o =>
        {
            o.AllowUnencryptedStorage = true;
            o.KeyPrefix = "tenant-a:";
        });

        await a.GetTokenAsync();

        var key = Assert.Single(store.Entries.Keys);
        Assert.Matches("^tenant-a:token:[0-9A-F]{64}$", key);
        Assert.DoesNotContain("made-up-secret", key, StringComparison.Ordinal);
        Assert.DoesNotContain(Replica.ClientId, key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Environment", "Production")]
    [InlineData("ApiBaseAddress", "http://localhost:9/")]
    [InlineData("ClientId", "made-up-other-client-id")]
    [InlineData("ClientSecret", "made-up-secret-2")]
    public async Task GetTokenAsync_ReplicaWithOneCredentialSettingChanged_NeverReadsTheOthersToken(string setting, string value)
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        var changed = Replica.Credential();
        changed[setting] = value;
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, changed);
        await using var c = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);

        var first = await a.GetTokenAsync();
        var other = await b.GetTokenAsync();

        Assert.NotEqual(first.Value, other.Value);
        Assert.Equal(2, endpoint.Requests);
        Assert.Equal(2, store.Entries.Count); // one key per fingerprint
        Assert.Equal(first.Value, (await c.GetTokenAsync()).Value); // the same settings still share
        Assert.Equal(2, endpoint.Requests);
    }

    [Theory]
    [InlineData(3600, 54 * 60, 1)] // 6 minutes left, more than RefreshBeforeExpiry (5 min): shared
    [InlineData(3600, 56 * 60, 2)] // 4 minutes left: due for refresh, so never handed to another replica's cache
    [InlineData(120, 50, 1)] // a short token is refreshed from half-life (60 s)
    [InlineData(120, 70, 2)]
    public async Task GetTokenAsync_SharedTokenNearItsRefreshPoint_ReusedOnlyBeforeIt(int expiresIn, int secondsLater, int expectedRequests)
    {
        var endpoint = new TokenEndpoint { ExpiresInSeconds = expiresIn };
        var store = new FakeStore();
        var time = new FakeTimeProvider(Start);
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);

        var first = await a.GetTokenAsync();
        time.Advance(TimeSpan.FromSeconds(secondsLater));
        var second = await b.GetTokenAsync();

        Assert.Equal(expectedRequests, endpoint.Requests);
        Assert.Equal(expectedRequests == 1, first.Value == second.Value);
    }

    [Theory]
    [InlineData(3600, 3540)] // expiry minus ExpiryMargin (60 s)
    [InlineData(120, 108)] // expiry minus 10 % of a short lifetime
    public async Task GetTokenAsync_NewToken_StoredUntilExpiryMinusMargin(int expiresIn, int storedForSeconds)
    {
        var endpoint = new TokenEndpoint { ExpiresInSeconds = expiresIn };
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: new FakeTimeProvider(Start));

        await a.GetTokenAsync();

        var written = Assert.Single(store.WriteOptions);
        Assert.Equal(TimeSpan.FromSeconds(storedForSeconds), written.AbsoluteExpirationRelativeToNow);
        Assert.Null(written.SlidingExpiration);
    }

    [Fact]
    public async Task GetTokenAsync_StoreHangs_RequestsDirectlyAfterStoreTimeout()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore { Mode = FakeStore.Behaviour.Hangs };
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), o =>
        {
            o.AllowUnencryptedStorage = true;
            o.StoreTimeout = TimeSpan.FromMilliseconds(200);
        }, logs: logs);

        var token = await a.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(1), token.Value);
        Assert.Equal(1, endpoint.Requests);
        Assert.Equal(0, store.Writes); // a store that is down is not written to: that would cost another timeout
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
    }

    [Fact]
    public async Task GetTokenAsync_StoreFailsThenRecoversThenFails_TokensAlwaysAndOneWarningPerOutage()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore { Mode = FakeStore.Behaviour.Throws };
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, logs: logs);

        // Three misses during one outage: three direct requests, one warning.
        for (var i = 1; i <= 3; i++)
        {
            var token = await a.GetTokenAsync();
            Assert.Equal(endpoint.TokenValue(i), token.Value);
            a.Tokens().Invalidate(token);
        }

        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
        Assert.Equal(0, logs.Count(LogSink.StoreRecovered));

        store.Mode = FakeStore.Behaviour.Works;
        var afterRecovery = await a.GetTokenAsync();
        Assert.Equal(1, logs.Count(LogSink.StoreRecovered));
        Assert.Single(store.Entries);

        store.Mode = FakeStore.Behaviour.Throws;
        a.Tokens().Invalidate(afterRecovery);
        await a.GetTokenAsync();
        Assert.Equal(2, logs.Count(LogSink.StoreFailed));
        Assert.Equal(5, endpoint.Requests);
    }

    [Fact]
    public async Task GetTokenAsync_CacheHit_NeverTouchesTheStore()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);
        var token = await a.GetTokenAsync();
        var reads = store.Reads;
        store.Mode = FakeStore.Behaviour.Hangs;

        var tokens = a.Tokens();
        for (var i = 0; i < 1000; i++)
        {
            var hit = tokens.GetTokenAsync();
            Assert.True(hit.IsCompletedSuccessfully);
            Assert.Same(token, await hit);
        }

        Assert.Equal(reads, store.Reads);
        Assert.Equal(1, endpoint.Requests);
    }

    [Fact]
    public async Task GetTokenAsync_CacheHitWithDistributedCache_AllocatesNothing()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain);
        var token = await a.GetTokenAsync();
        var reads = store.Reads; // the miss: the token, then the failure another replica may have shared
        var tokens = a.Tokens();
        for (var i = 0; i < 100; i++)
        {
            _ = await tokens.GetTokenAsync(); // warm-up
        }

        // Awaiting a ValueTask that is already complete neither suspends nor allocates.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            var hit = tokens.GetTokenAsync();
            if (!hit.IsCompletedSuccessfully || !ReferenceEquals(await hit, token))
            {
                Assert.Fail($"call {i} was not a synchronous hit on the cached token");
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(reads, store.Reads);
    }

    [Fact]
    public async Task GetTokenAsync_NoLockAndReplicasStartTogether_AtMostOneRequestPerReplica()
    {
        const int Replicas = 5;
        var endpoint = new TokenEndpoint { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var store = new FakeStore();
        var replicas = Enumerable.Range(0, Replicas).Select(_ => Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain)).ToList();
        try
        {
            var calls = replicas.SelectMany(r => Enumerable.Range(0, 10).Select(_ => r.Tokens().GetTokenAsync().AsTask())).ToList();
            await endpoint.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10));
            endpoint.Gate.SetResult();
            var tokens = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.InRange(endpoint.Requests, 1, Replicas);
            Assert.All(tokens, t => Assert.StartsWith("made-up-token-", t.Value, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static void Plain(OrumDistributedTokenCacheOptions options) => options.AllowUnencryptedStorage = true;
}
