using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

/// <summary>
/// What a cache hit and the handler cost per call. Alone in its collection: a MeterListener in a test running at the
/// same time would switch on the cache-hit counter, whose listener (not the cache) allocates.
/// </summary>
[Collection(TelemetryTests.Name)]
public class HotPathTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task GetTokenAsync_CacheHit_AllocatesNothing_AlsoWhileARefreshIsInFlight()
    {
        var client = new FakeTokenClient(_time);
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        var token = await cache.GetTokenAsync();
        CountHits(cache, token, 1_000); // warm-up: JIT

        var fresh = CountAllocatedBytes(() => CountHits(cache, token, 100_000));

        client.Hold = true;
        _time.Advance(TimeSpan.FromMinutes(55)); // the refresh window: the first call starts a refresh that stays in flight
        CountHits(cache, token, 1);
        Assert.Equal(2, client.Calls);
        var refreshing = CountAllocatedBytes(() => CountHits(cache, token, 100_000));

        Assert.Equal(0, fresh);
        Assert.Equal(0, refreshing);
        Assert.Equal(2, client.Calls);
        client.Release();
    }

    [Fact]
    public async Task SendAsync_OneToken_OneAuthorizationHeaderValueForEveryRequest()
    {
        var client = new FakeTokenClient(_time);
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        var api = new HeaderCapture();
        using var invoker = new HttpMessageInvoker(new OrumBearerTokenHandler(cache, new OrumAuthOptions()) { InnerHandler = api });

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "https://api-sandbox.orum.io/deliver/balance");
            using var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Limit);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        cache.Invalidate(await cache.GetTokenAsync());
        using var afterNewToken = new HttpRequestMessage(HttpMethod.Get, "https://api-sandbox.orum.io/deliver/balance");
        using var lastResponse = await invoker.SendAsync(afterNewToken, CancellationToken.None).WaitAsync(Limit);

        Assert.Equal(4, api.Seen.Count);
        Assert.Same(api.Seen[0], api.Seen[1]);
        Assert.Same(api.Seen[0], api.Seen[2]);
        Assert.Equal("Bearer token-1", api.Seen[0].ToString());
        Assert.NotSame(api.Seen[0], api.Seen[3]); // a new token, a new header value
        Assert.Equal("Bearer token-2", api.Seen[3].ToString());
    }

    private static void CountHits(TokenCache cache, OrumAccessToken expected, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            var pending = cache.GetTokenAsync();
            if (!pending.IsCompletedSuccessfully || !ReferenceEquals(pending.Result, expected))
            {
                throw new InvalidOperationException("not a cache hit");
            }
        }
    }

    private static long CountAllocatedBytes(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private sealed class HeaderCapture : HttpMessageHandler
    {
        public List<AuthenticationHeaderValue> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add(request.Headers.Authorization!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
