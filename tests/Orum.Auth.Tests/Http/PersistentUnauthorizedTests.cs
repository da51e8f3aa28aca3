using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Http;

/// <summary>
/// Deliver/Verify answering 401 whatever the token (a token for the other environment, a gateway that rejects Orum's
/// tokens, a permission reported as 401): 401-driven token requests are bounded, one per 5 s doubling to one per 10
/// minutes, and the calls in between get their 401 at once.
/// </summary>
public class PersistentUnauthorizedTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);

    private readonly FakeTimeProvider _time = new(TestCredentials.Start);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendAsync_401ToEveryTokenForTenMinutesAtTenCallsASecond_AtMostTwentyTokenRequests(bool retryOnUnauthorized)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(Rejecting(_ => true));
        await using var provider = await BuildAsync(token, api, o => o.RetryOnUnauthorized = retryOnUnauthorized);
        var client = provider.GetRequiredService<DeliverClient>();

        for (var call = 0; call < 6_000; call++)
        {
            using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(token.Count, 2, 20);
        Assert.InRange(api.Count, 6_000, 6_000 + token.Count); // at most one replay per new token
    }

    [Fact]
    public async Task SendAsync_401ToEveryTokenWithEightConcurrentWorkers_AtMostTwentyTokenRequestsInTenMinutes()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(Rejecting(_ => true));
        await using var provider = await BuildAsync(token, api);
        var client = provider.GetRequiredService<DeliverClient>();

        for (var round = 0; round < 750; round++)
        {
            var calls = Enumerable.Range(0, 8).Select(async _ =>
            {
                using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);
                return response.StatusCode;
            });
            Assert.All(await Task.WhenAll(calls), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
            _time.Advance(TimeSpan.FromMilliseconds(800));
        }

        Assert.InRange(token.Count, 2, 20);
    }

    [Fact]
    public async Task SendAsync_FreshTokenRefusedToo_OneWarningPerEpisodeNamingTheLikelyCauses()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(Rejecting(_ => true));
        await using var provider = await BuildAsync(token, api);
        var client = provider.GetRequiredService<DeliverClient>();

        for (var call = 0; call < 600; call++)
        {
            using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var warning = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 15);
        Assert.Equal("UnauthorizedPersists", warning.Id.Name);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Environment", warning.Message, StringComparison.Ordinal);
        Assert.Contains("AdditionalAllowedHosts", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_BetweenTheBoundedRefreshes_The401ComesBackAtOnceWithoutReplay()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(Rejecting(_ => true));
        await using var provider = await BuildAsync(token, api);
        var client = provider.GetRequiredService<DeliverClient>();
        using var first = await client.Http.GetAsync(Balance).WaitAsync(Limit); // replayed with a fresh token, refused too

        var (tokensBefore, apiBefore) = (token.Count, api.Count);
        using var between = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.Unauthorized, between.StatusCode);
        Assert.Equal(tokensBefore, token.Count);
        Assert.Equal(apiBefore + 1, api.Count); // no replay
        Assert.Equal(2, tokensBefore);
    }

    [Fact]
    public async Task SendAsync_401sStop_NormalReplayResumesOnceAReplaySucceeds()
    {
        var rejectedUpTo = int.MaxValue; // tokens token-1 … token-N are refused
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(Rejecting(r => int.Parse(r.Headers.Authorization!.Parameter!["token-".Length..], CultureInfo.InvariantCulture) <= Volatile.Read(ref rejectedUpTo)));
        await using var provider = await BuildAsync(token, api);
        var client = provider.GetRequiredService<DeliverClient>();
        for (var call = 0; call < 100; call++) // 10 s of 401s: refreshes at 0 and 5 s, the next due at 15 s
        {
            using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Volatile.Write(ref rejectedUpTo, token.Count); // the gateway is fixed, but the cached token is one it refused
        var statuses = new List<HttpStatusCode>();
        for (var call = 0; call < 60; call++)
        {
            using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);
            statuses.Add(response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // Then one revocation: handled at once, as before the episode.
        var revoked = $"Bearer token-{token.Count}";
        api.Then((request, _, _) => Task.FromResult(RecordingEndpoint.Error(HttpStatusCode.Unauthorized)));
        using var afterRevocation = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, statuses[^1]);
        Assert.Contains(HttpStatusCode.Unauthorized, statuses); // until the next bounded refresh
        Assert.Equal(HttpStatusCode.OK, afterRevocation.StatusCode);
        Assert.NotEqual(revoked, api.Requests[^1].Authorization);
    }

    private static RecordingEndpoint.Responder Rejecting(Func<HttpRequestMessage, bool> reject) => (request, _, _) =>
        Task.FromResult(reject(request) ? RecordingEndpoint.Error(HttpStatusCode.Unauthorized) : RecordingEndpoint.Json(HttpStatusCode.OK, "{}"));

    private async Task<ServiceProvider> BuildAsync(RecordingEndpoint token, RecordingEndpoint api, Action<OrumAuthOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddFakeLogging());
        var provider = services.AddDeliver(token, api, configure).BuildStrict();

        // The first token has been in use for a minute when the 401s start.
        await provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().WaitAsync(Limit);
        _time.Advance(TimeSpan.FromMinutes(1));
        return provider;
    }
}
