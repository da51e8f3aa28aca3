using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

/// <summary>
/// Attacks on the hard bound on token requests (README "How it behaves when things go wrong", docs/reliability.md),
/// through the public API only. A failing test here states a promise at its assertion and shows the numbers that break it.
/// </summary>
public class BoundAttackTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);

    private readonly FakeTimeProvider _time = new(TestCredentials.Start);

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 2: persistent 401s. "10 minutes of 401s at 10 calls a second cost 8 token requests", one warning.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The control: the documented figure, with nothing else happening.</summary>
    [Fact]
    public async Task Persistent401_TenMinutesAtTenCallsASecond_EightTokenRequestsAndOneWarning()
    {
        var (configuration, token, provider) = ArrangeFromConfiguration();
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        var before = token.Count;

        for (var call = 0; call < 6_000; call++)
        {
            using var response = await http.GetAsync(Balance).WaitAsync(Limit);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(token.Count - before, 1, 8);
        Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 15);
        GC.KeepAlive(configuration);
    }

    /// <summary>
    /// The same 10 minutes, while the app's configuration reloads every 30 s with the Orum section unchanged (a log
    /// level edited in appsettings.json, a config provider polling: IOptionsMonitor fires for any reload of the root).
    /// The credential is the same, the cause of the 401s is the same, yet every reload starts the bound afresh.
    /// </summary>
    [Fact]
    public async Task Persistent401_ConfigurationReloadedEvery30sWithOrumSectionUnchanged_StillEightTokenRequestsAndOneWarning()
    {
        var (configuration, token, provider) = ArrangeFromConfiguration();
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        var before = token.Count;

        for (var call = 0; call < 6_000; call++)
        {
            if (call > 0 && call % 300 == 0)
            {
                // Only an unrelated key changes; the Orum section binds to the very same values.
                configuration["Logging:LogLevel:Default"] = call % 600 == 0 ? "Information" : "Debug";
                configuration.Reload();
            }

            using var response = await http.GetAsync(Balance).WaitAsync(Limit);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var warnings = provider.GetFakeLogCollector().GetSnapshot().Count(r => r.Id.Id == 15);
        var requests = token.Count - before;
        Assert.True(requests <= 8 && warnings == 1, $"token requests in 10 min: {requests} (promised 8); UnauthorizedPersists warnings: {warnings} (promised 1)");
    }

    /// <summary>
    /// A quiet caller: one Deliver call every 10 s, every one refused. The README: "a 401 then drops the token at most once
    /// per window, 5 s doubling to 10 min … one warning … The first replay that succeeds ends it." No replay succeeds, so
    /// the windows should double (drops at 0, 10, 20, 40, 80, 160, 320 s at this rate: at most 8 in 10 minutes).
    /// </summary>
    [Fact]
    public async Task Persistent401_OneCallEveryTenSeconds_WindowDoublesAndOneWarning()
    {
        var (configuration, token, provider) = ArrangeFromConfiguration();
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        var before = token.Count;

        for (var call = 0; call < 60; call++)
        {
            using var response = await http.GetAsync(Balance).WaitAsync(Limit);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        var warnings = provider.GetFakeLogCollector().GetSnapshot().Count(r => r.Id.Id == 15);
        var requests = token.Count - before;
        Assert.True(requests <= 8 && warnings == 1, $"token requests in 10 min: {requests} (at most 8 with doubling windows); UnauthorizedPersists warnings: {warnings} (promised 1)");
        GC.KeepAlive(configuration);
    }

    /// <summary>Replay off and bodies that could not be replayed anyway (streamed, over 64 KiB): the bound holds.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Persistent401_NoReplayPossible_BoundHolds(bool streamedBody)
    {
        var (configuration, token, provider) = ArrangeFromConfiguration(retryOnUnauthorized: streamedBody);
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        var before = token.Count;

        for (var call = 0; call < 6_000; call++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Balance);
            if (streamedBody && call % 10 == 0)
            {
                request.Content = new StreamContent(new MemoryStream(new byte[70 * 1024]));
            }
            else if (streamedBody)
            {
                request.Content = new StreamContent(new NonSeekableStream(new byte[70 * 1024]));
            }

            using var response = await http.SendAsync(request).WaitAsync(Limit);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(token.Count - before, 1, 9);
        GC.KeepAlive(configuration);
    }

    /// <summary>Two named credentials, 50 concurrent calls each per round, 401 to everything: each stays bounded.</summary>
    [Fact]
    public async Task Persistent401_TwoCredentialsFiftyConcurrentCalls_EachCredentialBounded()
    {
        var tokenA = RecordingEndpoint.TokenEndpoint(prefix: "a");
        var tokenB = RecordingEndpoint.TokenEndpoint(prefix: "b");
        var api = RecordingEndpoint.Api((_, _, _) => Task.FromResult(RecordingEndpoint.Error(HttpStatusCode.Unauthorized)));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddFakeLogging());
        services.AddOrumAuth("a", OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => tokenA.Handler);
        services.AddOrumAuth("b", o =>
        {
            o.ClientId = "made-up-client-id-b";
            o.ClientSecret = "made-up-client-secret-b";
        }).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => tokenB.Handler);
        services.AddHttpClient("a", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi)).AddOrumBearerTokenHandler("a").ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        services.AddHttpClient("b", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi)).AddOrumBearerTokenHandler("b").ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        await using var provider = services.BuildStrict();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        var (a, b) = (factory.CreateClient("a"), factory.CreateClient("b"));
        var stalledRounds = 0;

        for (var round = 0; round < 600; round++) // one round a second for 10 minutes, 100 calls a round
        {
            var calls = Enumerable.Range(0, 100).Select(async i =>
            {
                using var response = await (i % 2 == 0 ? a : b).GetAsync(Balance).WaitAsync(Limit);
                return response.StatusCode;
            }).ToArray();
            var all = Task.WhenAll(calls);
            var advanced = 0;
            for (; advanced < 20 && !all.IsCompleted; advanced++)
            {
                // A call waiting for the 1-s floor between token requests waits on the fake clock.
                await Task.WhenAny(all, Task.Delay(20));
                if (!all.IsCompleted)
                {
                    _time.Advance(TimeSpan.FromMilliseconds(100));
                }
            }

            stalledRounds += advanced > 0 ? 1 : 0;
            Assert.All(await all.WaitAsync(Limit), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
            if (advanced < 10)
            {
                _time.Advance(TimeSpan.FromSeconds(1) - (TimeSpan.FromMilliseconds(100) * advanced));
            }
        }

        Assert.True(tokenA.Count <= 9 && tokenB.Count <= 9, $"token requests in 10 min: a {tokenA.Count}, b {tokenB.Count}; rounds that waited on the clock: {stalledRounds}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 1: the floor. Two token requests of one credential start at least 1 s apart.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Floor_ZeroLifetimeTokensInvalidatedByManyThreadsForAMinute_RequestsStartOneSecondApart()
    {
        var client = new StampingClient(_time) { Lifetime = TimeSpan.Zero };
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        var calls = new List<Task>();
        for (var tick = 0; tick < 6_000; tick++) // 10 ms ticks, one simulated minute, 5 callers a tick
        {
            for (var i = 0; i < 5; i++)
            {
                calls.Add(Task.Run(async () =>
                {
                    try
                    {
                        var token = await cache.GetTokenAsync();
                        cache.Invalidate(token);
                    }
                    catch (OrumAuthException)
                    {
                    }
                }));
            }

            _time.Advance(TimeSpan.FromMilliseconds(10));
            if (tick % 50 == 0)
            {
                await Task.Delay(1);
            }
        }

        var all = Task.WhenAll(calls);
        for (var i = 0; i < 200 && !all.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(all, Task.Delay(5));
        }

        await all.WaitAsync(Limit);
        client.AssertFloor();
        Assert.InRange(client.Starts.Count, 2, 260);
    }

    [Fact]
    public async Task Floor_InvalidateRacingBackgroundRefresh_SharesTheRefreshAndTheNextWaitsTheFloor()
    {
        var client = new StampingClient(_time) { Lifetime = TimeSpan.FromMinutes(10) };
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        var first = await cache.GetTokenAsync().AsTask().WaitAsync(Limit);
        _time.Advance(TimeSpan.FromMinutes(6)); // inside the refresh window
        client.Hold = true;
        Assert.Same(first, await cache.GetTokenAsync()); // starts the background refresh
        cache.Invalidate(first);
        var waiters = Enumerable.Range(0, 100).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();
        Assert.Equal(2, client.Starts.Count);

        client.Hold = false;
        var second = client.ReleaseAll();
        var got = await Task.WhenAll(waiters).WaitAsync(Limit);
        Assert.All(got, t => Assert.Equal(second[0].Value, t.Value));

        cache.Invalidate(got[0]);
        var third = cache.GetTokenAsync().AsTask();
        Assert.Equal(2, client.Starts.Count); // waiting for the floor
        _time.Advance(TimeSpan.FromSeconds(1));
        await third.WaitAsync(Limit);
        client.AssertFloor();
    }

    [Fact]
    public async Task Floor_ReloadWithSameCredential_DoesNotLetTheNextRequestStartAtOnce()
    {
        var token = RecordingEndpoint.TokenEndpoint(expiresIn: 0);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orum:ClientId"] = "made-up-client-id",
            ["Orum:ClientSecret"] = "made-up-client-secret",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        await using var provider = services.BuildStrict();
        var cache = provider.GetRequiredService<IOrumTokenProvider>();
        await cache.GetTokenAsync().AsTask().WaitAsync(Limit);

        configuration["Orum:ApiVersion"] = "v2099-01-01"; // not the credential
        configuration.Reload();
        var next = cache.GetTokenAsync().AsTask();
        Assert.Equal(1, token.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        await next.WaitAsync(Limit);
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task Floor_DisposeDuringFloorWait_EveryWaiterCompletesWithOrumAuthException()
    {
        var client = new StampingClient(_time) { Lifetime = TimeSpan.Zero };
        var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        await cache.GetTokenAsync().AsTask().WaitAsync(Limit);
        var waiters = Enumerable.Range(0, 50).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();
        Assert.Single(client.Starts);

        cache.Dispose();

        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<OrumAuthException>(() => waiter.WaitAsync(Limit));
        }

        Assert.Single(client.Starts);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 5: any IOrumTokenClient. Every waiter completes; no expired token; no NRE.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<string> HostileClients => ["null task", "null token", "throws", "faulted", "faulted NRE", "own OCE", "hangs", "cancelled task"];

    [Theory]
    [MemberData(nameof(HostileClients))]
    public async Task HostileClient_EveryWaiterCompletesWithOrumAuthExceptionAndCoolDownHolds(string behaviour)
    {
        var client = new HostileClient(behaviour);
        using var cache = new TokenCache(client, new OrumAuthOptions { TokenRequestTimeout = TimeSpan.FromSeconds(2) }, _time);
        var waiters = Enumerable.Range(0, 20).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();

        for (var i = 0; i < 4 && !waiters.All(w => w.IsCompleted); i++)
        {
            await Task.Delay(20);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        foreach (var waiter in waiters)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => waiter.WaitAsync(Limit));
            Assert.IsAssignableFrom<OrumAuthException>(error);
        }

        // The cool-down: no second request within 5 s of the failure.
        var calls = client.Calls;
        await Assert.ThrowsAnyAsync<OrumAuthException>(() => cache.GetTokenAsync().AsTask().WaitAsync(Limit));
        Assert.Equal(calls, client.Calls);
    }

    /// <summary>
    /// A custom client whose token says it lives for centuries (a static API key modelled as "never expires"). The cache
    /// works with Stopwatch timestamps (1 ns ticks on Linux): 400 years overflow them, the entry's end wraps into the past,
    /// and every call then becomes a token request (waiting for the 1-s floor each time) instead of a cache hit.
    /// </summary>
    [Fact]
    public async Task OddToken_FourHundredYearLifetimeOnTheSystemClock_IsCachedNotRequestedOnEveryCall()
    {
        var client = new CenturiesClient(TimeSpan.FromDays(365 * 400));
        using var cache = new TokenCache(client, new OrumAuthOptions(), TimeProvider.System);
        await cache.GetTokenAsync().AsTask().WaitAsync(Limit);

        var second = cache.GetTokenAsync();
        var hit = second.IsCompletedSuccessfully;
        await second.AsTask().WaitAsync(Limit); // at most the 1-s floor of real time

        Assert.True(hit && client.Calls == 1, $"second call a cache hit: {hit}; token requests after two calls: {client.Calls} (a token valid for 400 years)");
    }

    /// <summary>A token already expired when the client returns it (sent 10 s ago, valid 5 s): never handed out.</summary>
    [Fact]
    public async Task OddToken_ExpiredOnArrival_IsNotHandedOut()
    {
        var client = new ExpiredClient(_time);
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);

        OrumAccessToken? token = null;
        try
        {
            token = await cache.GetTokenAsync().AsTask().WaitAsync(Limit);
        }
        catch (OrumAuthException)
        {
        }

        Assert.True(token is null || token.ExpiresAt > _time.GetUtcNow(), $"handed out a token that expired {(_time.GetUtcNow() - token?.ExpiresAt)?.TotalSeconds} s ago");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 3 and 4: cool-down and Retry-After through the real OrumAuthClient and pipeline.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<string, string?, double> RetryAfters => new()
    {
        { "99999999", null, 600 },          // huge: honoured, capped at 10 min
        { "-5", null, 5 },                   // garbage: the 5-s cool-down
        { "soon", null, 5 },
        { "Thu, 01 Jan 1970 00:00:00 GMT", null, 5 }, // a date in the past
        { "future+120", null, 120 },         // an HTTP date 2 minutes ahead of the fake clock
        { "1", "2m", 120 },                  // the headers disagree: the longer wins
        { "300", "1s", 300 },
    };

    [Theory]
    [MemberData(nameof(RetryAfters))]
    public async Task RetryAfter_HostileValues_HonouredWithoutRequestAndNextRequestAfterIt(string retryAfter, string? retryIn, double expectedSeconds)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var value = retryAfter.StartsWith("future+", StringComparison.Ordinal)
            ? (_time.GetUtcNow() + TimeSpan.FromSeconds(int.Parse(retryAfter["future+".Length..], System.Globalization.CultureInfo.InvariantCulture))).ToString("r", System.Globalization.CultureInfo.InvariantCulture)
            : retryAfter;
        for (var i = 0; i < 3; i++)
        {
            token.Then(() => retryIn is null
                ? RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", value))
                : RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", value), ("X-Retry-In", retryIn)));
        }

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddOrumAuth(o =>
        {
            OrumTestServices.Credentials(o);
            o.TokenRequestTimeout = TimeSpan.FromMinutes(10);
        }).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        await using var provider = services.BuildStrict();
        var cache = provider.GetRequiredService<IOrumTokenProvider>();
        await Assert.ThrowsAsync<OrumRateLimitedException>(() => DriveAsync(cache.GetTokenAsync().AsTask()));
        var failedAt = _time.GetUtcNow();
        var attempts = token.Count;

        var expected = TimeSpan.FromSeconds(expectedSeconds);
        var step = TimeSpan.FromMilliseconds(500);
        while (_time.GetUtcNow() + step - failedAt < expected)
        {
            _time.Advance(step);
            await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask().WaitAsync(Limit));
        }

        Assert.Equal(attempts, token.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        try
        {
            await DriveAsync(cache.GetTokenAsync().AsTask());
        }
        catch (OrumRateLimitedException)
        {
        }

        Assert.True(token.Count > attempts, "a request once the wait is over");
    }

    /// <summary>A 429 with Retry-After: 120 on a background refresh; then the token is revoked (401): still no request.</summary>
    [Fact]
    public async Task RetryAfter_BackgroundRefreshRateLimitedThenTokenInvalidated_NoRequestUntilItPasses()
    {
        var token = RecordingEndpoint.TokenEndpoint(expiresIn: 600);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddFakeLogging());
        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        await using var provider = services.BuildStrict();
        var cache = provider.GetRequiredService<IOrumTokenProvider>();
        var first = await cache.GetTokenAsync().AsTask().WaitAsync(Limit);
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", "120")));
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Same(first, await cache.GetTokenAsync());
        await WaitUntilAsync(() => provider.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Id == 6));

        cache.Invalidate(first);
        for (var s = 0; s < 118; s++)
        {
            await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask().WaitAsync(Limit));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(2, token.Count);
    }

    /// <summary>Every caller cancels while the one request is in flight: it goes on, and its token serves the next callers.</summary>
    [Fact]
    public async Task Cancellation_EveryCallerCancelsDuringTheRequest_RequestCompletesOnceAndIsReused()
    {
        var client = new StampingClient(_time) { Hold = true };
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);
        using var cancel = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 1_000).Select(_ => cache.GetTokenAsync(cancel.Token).AsTask()).ToArray();
        await cancel.CancelAsync();
        foreach (var caller in callers)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => caller.WaitAsync(Limit));
        }

        client.Hold = false;
        var issued = client.ReleaseAll();
        var next = await cache.GetTokenAsync().AsTask().WaitAsync(Limit);
        Assert.Equal(issued[0].Value, next.Value);
        Assert.Single(client.Starts);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Support
    // ---------------------------------------------------------------------------------------------------------------

    private (IConfigurationRoot Configuration, RecordingEndpoint Token, ServiceProvider Provider) ArrangeFromConfiguration(bool retryOnUnauthorized = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orum:ClientId"] = "made-up-client-id",
            ["Orum:ClientSecret"] = "made-up-client-secret",
            ["Orum:RetryOnUnauthorized"] = retryOnUnauthorized ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Information",
        }).Build();
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api((_, _, _) => Task.FromResult(RecordingEndpoint.Error(HttpStatusCode.Unauthorized)));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddFakeLogging());
        services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        services.AddHttpClient("deliver", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        var provider = services.BuildStrict();

        // The first token has been in use for a minute when the 401s start.
        provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().WaitAsync(Limit).GetAwaiter().GetResult();
        _time.Advance(TimeSpan.FromMinutes(1));
        return (configuration, token, provider);
    }

    private async Task<T> DriveAsync<T>(Task<T> pending)
    {
        for (var i = 0; i < 1_200 && !pending.IsCompleted; i++)
        {
            await Task.WhenAny(pending, Task.Delay(2));
            if (!pending.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        return await pending.WaitAsync(Limit);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 2_000 && !condition(); i++)
        {
            await Task.Delay(5);
        }

        Assert.True(condition());
    }

    /// <summary>Records when each request started (fake clock); can hold requests until released.</summary>
    private sealed class StampingClient(FakeTimeProvider time) : IOrumTokenClient
    {
        private readonly ConcurrentQueue<TaskCompletionSource<OrumAccessToken>> _held = new();
        private int _calls;

        public ConcurrentQueue<DateTimeOffset> Starts { get; } = new();

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        public bool Hold { get; set; }

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref _calls);
            Starts.Enqueue(time.GetUtcNow());
            if (!Hold)
            {
                return Task.FromResult(new OrumAccessToken($"stamp-{n}", "Bearer", Lifetime, time.GetUtcNow()));
            }

            var held = new TaskCompletionSource<OrumAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            _held.Enqueue(held);
            return held.Task;
        }

        public List<OrumAccessToken> ReleaseAll()
        {
            List<OrumAccessToken> released = [];
            while (_held.TryDequeue(out var held))
            {
                var token = new OrumAccessToken($"released-{released.Count}", "Bearer", Lifetime, time.GetUtcNow());
                released.Add(token);
                held.SetResult(token);
            }

            return released;
        }

        public void AssertFloor()
        {
            var starts = Starts.ToArray();
            for (var i = 1; i < starts.Length; i++)
            {
                Assert.True(starts[i] - starts[i - 1] >= TimeSpan.FromSeconds(1), $"requests {i} and {i + 1} started {(starts[i] - starts[i - 1]).TotalMilliseconds} ms apart");
            }
        }
    }

    private sealed class HostileClient(string behaviour) : IOrumTokenClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return behaviour switch
            {
                "null task" => null!,
                "null token" => Task.FromResult<OrumAccessToken>(null!),
                "throws" => throw new InvalidOperationException("made-up synchronous failure"),
                "faulted" => Task.FromException<OrumAccessToken>(new HttpRequestException("made-up")),
                #pragma warning disable CA2201 // a buggy client throws what the runtime would
                "faulted NRE" => Task.FromException<OrumAccessToken>(new NullReferenceException()),
#pragma warning restore CA2201
                "own OCE" => Task.FromException<OrumAccessToken>(new OperationCanceledException()),
                "cancelled task" => Task.FromCanceled<OrumAccessToken>(new CancellationToken(canceled: true)),
                _ => new TaskCompletionSource<OrumAccessToken>().Task, // hangs, ignoring cancellation
            };
        }
    }

    private sealed class CenturiesClient(TimeSpan lifetime) : IOrumTokenClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new OrumAccessToken("made-up-static-key", "Bearer", lifetime, DateTimeOffset.UtcNow));
        }
    }

    private sealed class ExpiredClient(TimeProvider time) : IOrumTokenClient
    {
        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new OrumAccessToken("made-up-late-token", "Bearer", TimeSpan.FromSeconds(5), time.GetUtcNow() - TimeSpan.FromSeconds(10)));
    }

    /// <summary>A body stream that can be read once and has no length: a streamed upload.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
