using System.Net;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using Polly;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>A failed token request is shared with the fleet for its cool-down (Orum's Retry-After, or 5 seconds).</summary>
public sealed class SharedFailureTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetTokenAsync_OtherReplicaRateLimitedWithRetryAfter_ThrowsRateLimitedForTheRestOfTheWaitWithoutRequest()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        endpoint.Enqueue(Answer.RateLimited(TimeSpan.FromSeconds(60)));
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);

        var first = await Assert.ThrowsAsync<OrumRateLimitedException>(() => a.GetTokenAsync());
        time.Advance(TimeSpan.FromSeconds(20));
        var shared = await Assert.ThrowsAsync<OrumRateLimitedException>(() => b.GetTokenAsync());

        Assert.Equal(TimeSpan.FromSeconds(60), first.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(40), shared.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, shared.StatusCode);
        Assert.Equal("too_many_requests", shared.ErrorCode);
        Assert.Equal(1, endpoint.Requests);

        // The wait is over: the next replica that needs a token asks for one.
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(endpoint.TokenValue(2), (await b.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, typeof(OrumServerException))]
    [InlineData(HttpStatusCode.BadRequest, typeof(OrumBadRequestException))]
    [InlineData(HttpStatusCode.Unauthorized, typeof(OrumUnauthorizedException))]
    [InlineData(HttpStatusCode.GatewayTimeout, typeof(OrumNetworkException))] // no answer in time
    public async Task GetTokenAsync_OtherReplicaFailedWithoutRetryAfter_FleetSharesTheFiveSecondCoolDown(HttpStatusCode status, Type expected)
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        endpoint.Enqueue(status == HttpStatusCode.GatewayTimeout ? Answer.Timeout() : Answer.Error(status));
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time, auth: NoRetries);

        var first = await Assert.ThrowsAnyAsync<OrumAuthException>(() => a.GetTokenAsync());
        time.Advance(TimeSpan.FromSeconds(2));
        var shared = await Assert.ThrowsAnyAsync<OrumAuthException>(() => b.GetTokenAsync());

        Assert.IsType(expected, first);
        Assert.IsType(expected, shared);
        Assert.Equal((first as OrumApiException)?.StatusCode, (shared as OrumApiException)?.StatusCode);
        Assert.Equal((first as OrumNetworkException)?.IsTimeout, (shared as OrumNetworkException)?.IsTimeout);
        Assert.Null((shared as OrumApiException)?.RetryAfter);
        Assert.Equal(1, endpoint.Requests);

        time.Advance(TimeSpan.FromSeconds(5)); // b's own cool-down, counted from when it read the fleet's
        Assert.Equal(endpoint.TokenValue(2), (await b.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    [Theory]
    [InlineData("random bytes")]
    [InlineData("truncated")]
    [InlineData("null")]
    [InlineData("""{"kind":"not_a_kind","status":429,"until":"{until}"}""")]
    [InlineData("""{"kind":"api","status":429,"until":"{far}"}""")] // longer than Orum's 10-minute block: not ours
    [InlineData("""{"kind":"api","status":99,"until":"{until}"}""")]
    [InlineData("""{"kind":"api","status":"429","until":"{until}"}""")]
    [InlineData("""{"kind":"api","status":429,"retry_after":-5,"until":"{until}"}""")]
    [InlineData("""{"kind":"api","status":429,"error_code":"a\r\nb","until":"{until}"}""")]
    [InlineData("""{"kind":"api","status":429}""")]
    [InlineData("""[1,2,3]""")]
    public async Task GetTokenAsync_SharedFailureEntryCorrupt_MissAndRequest(string corruption)
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        endpoint.Enqueue(Answer.RateLimited(TimeSpan.FromSeconds(60)));
        var store = new FakeStore();
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        await Assert.ThrowsAsync<OrumRateLimitedException>(() => a.GetTokenAsync());
        var key = Assert.Single(store.Entries.Keys, k => k.EndsWith(":failure", StringComparison.Ordinal));
        var stored = store.Entries[key];
        var until = (Start + TimeSpan.FromSeconds(60)).ToString("O");
        var garbage = corruption switch
        {
            "random bytes" => System.Security.Cryptography.RandomNumberGenerator.GetBytes(80),
            "truncated" => stored[..(stored.Length / 2)],
            _ => Encoding.UTF8.GetBytes(corruption.Replace("{until}", until, StringComparison.Ordinal)
                .Replace("{far}", (Start + TimeSpan.FromHours(2)).ToString("O"), StringComparison.Ordinal)),
        };
        await store.SetAsync(key, garbage, new DistributedCacheEntryOptions());

        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, logs: logs, timeProvider: time);
        var token = await b.GetTokenAsync();

        Assert.Equal(endpoint.TokenValue(2), token.Value);
        Assert.Equal(1, logs.Count(LogSink.StoreFailed));
    }

    [Fact]
    public async Task GetTokenAsync_SharedFailureEntry_KeyedByTheCredentialAndHoldsNoSecretTokenOrOrumMessage()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var store = new FakeStore();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        var token = await a.GetTokenAsync();
        var tokenKey = Assert.Single(store.Entries.Keys);
        time.Advance(TimeSpan.FromMinutes(5));
        endpoint.Enqueue(Answer.RateLimited(TimeSpan.FromSeconds(60)));
        a.Tokens().Invalidate(token);
        await Assert.ThrowsAsync<OrumRateLimitedException>(() => a.GetTokenAsync());

        Assert.DoesNotContain(tokenKey, store.Entries.Keys); // the rejected token is gone
        var failureKey = Assert.Single(store.Entries.Keys, k => k.EndsWith(":failure", StringComparison.Ordinal));
        var json = Encoding.UTF8.GetString(store.Entries[failureKey]);
        Assert.Equal(tokenKey + ":failure", failureKey);
        Assert.DoesNotContain("made-up-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Replica.ClientId, json, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Value, json, StringComparison.Ordinal);
        Assert.DoesNotContain("A made-up 429", json, StringComparison.Ordinal); // Orum's message stays with the replica that got it
        Assert.Equal(TimeSpan.FromSeconds(60), store.WriteOptions.Last().AbsoluteExpirationRelativeToNow);
    }

    [Fact]
    public async Task GetTokenAsync_SharedFailureWhileSharedTokenStillUsable_ReplicaGetsTheTokenWithoutRequest()
    {
        var time = new FakeTimeProvider(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var store = new FakeStore();
        var logsA = new LogSink();
        await using var a = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, logs: logsA, timeProvider: time);
        await using var b = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(store), Plain, timeProvider: time);
        var token = await a.GetTokenAsync();

        // 4 minutes before expiry a's background refresh is refused for a minute; the token still has 3 usable minutes.
        time.Advance(TimeSpan.FromMinutes(56));
        endpoint.Enqueue(Answer.RateLimited(TimeSpan.FromSeconds(60)));
        Assert.Same(token, await a.GetTokenAsync());
        await logsA.WhenAsync(l => l.Count(LogSink.SharedFailureStored) == 1).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(token.Value, (await b.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }

    private static void NoRetries(IOrumAuthBuilder builder) =>
        builder.TokenResilience.Configure(o => o.Retry.ShouldHandle = static _ => PredicateResult.False());

    private static void Plain(OrumDistributedTokenCacheOptions options) => options.AllowUnencryptedStorage = true;
}
