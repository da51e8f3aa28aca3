using System.Net;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

public class TokenCacheTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    /// <summary>The documented floor between two token requests of one credential.</summary>
    private static readonly TimeSpan RequestFloor = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeTokenClient _client;

    public TokenCacheTests() => _client = new FakeTokenClient(_time);

    [Fact]
    public async Task GetTokenAsync_TenThousandConcurrentColdCalls_MakeOneRequestAndShareTheToken()
    {
        _client.Hold = true;
        using var cache = NewCache();

        var callers = new Task<OrumAccessToken>[10_000];
        Parallel.For(0, callers.Length, i => callers[i] = cache.GetTokenAsync().AsTask());
        Assert.Equal(1, _client.Calls);
        Assert.All(callers, c => Assert.False(c.IsCompleted));

        var issued = _client.Release();
        var tokens = await Task.WhenAll(callers).WaitAsync(Bounded);

        Assert.Equal(1, _client.Calls);
        Assert.All(tokens, t => Assert.Same(issued, t));
    }

    [Fact]
    public async Task GetTokenAsync_BeforeRefreshPoint_ReusesTokenWithoutRequestOrAsync()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();

        _time.Advance(Hour - TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        for (var i = 0; i < 100_000; i++)
        {
            Assert.Same(first, Completed.Token(cache.GetTokenAsync()));
        }

        Assert.Equal(1, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_AtRefreshPoint_StartsOneBackgroundRefreshAndKeepsServingCurrentToken()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _client.Hold = true;
        _time.Advance(Hour - TimeSpan.FromMinutes(5));

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Same(first, Completed.Token(cache.GetTokenAsync()));
        }

        Assert.Equal(2, _client.Calls);
        var second = _client.Release();

        Assert.Same(second, Completed.Token(cache.GetTokenAsync()));
        Assert.Equal(2, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_ShortToken_RefreshesFromHalfLife()
    {
        _client.Lifetime = TimeSpan.FromMinutes(6); // shorter than 2 x RefreshBeforeExpiry (10 min)
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();

        _time.Advance(TimeSpan.FromMinutes(3) - TimeSpan.FromTicks(1));
        Assert.Same(first, await cache.GetTokenAsync());
        Assert.Equal(1, _client.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Same(first, await cache.GetTokenAsync()); // served while the refresh runs (it completed at once here)
        Assert.Equal(2, _client.Calls);
        Assert.NotSame(first, await cache.GetTokenAsync());
    }

    [Fact]
    public async Task GetTokenAsync_InsideExpiryMargin_WaitsForFreshTokenAndNeverGetsTheOldOne()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _client.FailWith = new OrumServerException("down", HttpStatusCode.ServiceUnavailable);
        _time.Advance(Hour - TimeSpan.FromMinutes(5)); // the background refresh fails: the token stays in service
        Assert.Same(first, await cache.GetTokenAsync());
        _time.Advance(TimeSpan.FromMinutes(4) - RequestFloor);
        Assert.Same(first, Completed.Token(cache.GetTokenAsync())); // the retry after 30 s failed too
        Assert.Equal(3, _client.Calls);
        _time.Advance(RequestFloor - TimeSpan.FromTicks(1));
        Assert.Same(first, Completed.Token(cache.GetTokenAsync())); // a tick before the margin: still handed out
        Assert.Equal(3, _client.Calls);

        _client.FailWith = null;
        _client.Hold = true;
        _time.Advance(TimeSpan.FromTicks(1)); // now exactly 60 s before expiry: inside the margin
        var waiting = Enumerable.Range(0, 10).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        Assert.Equal(4, _client.Calls); // one request for all of them

        var second = _client.Release();
        var tokens = await Task.WhenAll(waiting).WaitAsync(Bounded);
        Assert.All(tokens, t => Assert.Same(second, t));
    }

    [Fact]
    public async Task GetTokenAsync_ExpiryMarginIsCappedAtTenPercentOfLifetime()
    {
        _client.Lifetime = TimeSpan.FromMinutes(5); // 10 % is 30 s, less than the 60 s default margin
        using var cache = NewCache(o => o.RefreshBeforeExpiry = TimeSpan.Zero);
        var first = await cache.GetTokenAsync();

        _time.Advance(TimeSpan.FromSeconds(270) - TimeSpan.FromTicks(1));
        Assert.Same(first, Completed.Token(cache.GetTokenAsync()));

        _client.Hold = true;
        _time.Advance(TimeSpan.FromTicks(1));
        var waiting = cache.GetTokenAsync().AsTask();
        Assert.Equal(TaskStatus.WaitingForActivation, waiting.Status);
        var second = _client.Release();
        Assert.Same(second, await waiting.WaitAsync(Bounded));
    }

    [Fact]
    public async Task GetTokenAsync_AfterExpiry_WaitsForFreshToken()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _client.Hold = true;
        _time.Advance(Hour + TimeSpan.FromMinutes(1)); // idle app: nothing refreshed in the meantime

        Assert.Equal(1, _client.Calls);
        var waiting = cache.GetTokenAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        var second = _client.Release();
        Assert.Same(second, await waiting.WaitAsync(Bounded));
        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task GetTokenAsync_BackgroundRefreshFails_KeepsTokenAndRetriesNoSoonerThan30Seconds()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _client.FailWith = new OrumServerException("down", HttpStatusCode.ServiceUnavailable);
        _time.Advance(Hour - TimeSpan.FromMinutes(5));

        Assert.Same(first, await cache.GetTokenAsync()); // starts the refresh, which fails
        Assert.Equal(2, _client.Calls);

        for (var second = 0; second < 30; second++)
        {
            for (var i = 0; i < 100; i++)
            {
                Assert.Same(first, Completed.Token(cache.GetTokenAsync()));
            }

            _time.Advance(TimeSpan.FromSeconds(1) - (second == 29 ? TimeSpan.FromTicks(1) : TimeSpan.Zero));
        }

        Assert.Equal(2, _client.Calls); // 29.9999999 s later: still no new attempt
        _time.Advance(TimeSpan.FromTicks(1));
        _client.FailWith = null;
        Assert.Same(first, await cache.GetTokenAsync());
        Assert.Equal(3, _client.Calls);
        Assert.NotSame(first, await cache.GetTokenAsync());
    }

    [Fact]
    public async Task GetTokenAsync_BackgroundRefreshRateLimitedForLongerThan30Seconds_RetriesNoSoonerThanRetryAfter()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _client.FailWith = new OrumRateLimitedException("slow down", OrumErrorCodes.TooManyRequests, retryAfter: TimeSpan.FromSeconds(60));
        _time.Advance(Hour - TimeSpan.FromMinutes(5));
        Assert.Same(first, await cache.GetTokenAsync()); // starts the refresh, which is refused for 60 s

        _time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Same(first, await cache.GetTokenAsync());
        Assert.Equal(2, _client.Calls); // 30 s would have been too soon

        _time.Advance(TimeSpan.FromTicks(1));
        _client.FailWith = null;
        Assert.Same(first, await cache.GetTokenAsync());
        Assert.Equal(3, _client.Calls);
        Assert.NotSame(first, await cache.GetTokenAsync());
    }

    [Fact]
    public async Task GetTokenAsync_TokenBecomesUnusableWithinARetryAfterOfItsBackgroundRefresh_CallersGetTheRateLimitWithoutRequest()
    {
        using var cache = NewCache();
        await cache.GetTokenAsync();
        var refused = new OrumRateLimitedException("slow down", OrumErrorCodes.TooManyRequests, retryAfter: TimeSpan.FromMinutes(10));
        _client.FailWith = refused;
        _time.Advance(Hour - TimeSpan.FromMinutes(5));
        await cache.GetTokenAsync(); // the refresh is refused for 10 min; the token is usable for 4 more

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Same(refused, await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask()));
        _time.Advance(TimeSpan.FromMinutes(6) - TimeSpan.FromTicks(1));
        Assert.Same(refused, await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask()));
        Assert.Equal(2, _client.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        _client.FailWith = null;
        Assert.NotNull(await cache.GetTokenAsync());
        Assert.Equal(3, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_FailureWithoutToken_CoolsDownFor5Seconds()
    {
        var failure = new OrumServerException("down", HttpStatusCode.ServiceUnavailable);
        _client.FailWith = failure;
        using var cache = NewCache();

        var first = await Assert.ThrowsAsync<OrumServerException>(() => cache.GetTokenAsync().AsTask());
        Assert.Same(failure, first);
        for (var i = 0; i < 50; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(99));
            Assert.Same(failure, await Assert.ThrowsAsync<OrumServerException>(() => cache.GetTokenAsync().AsTask()));
        }

        Assert.Equal(1, _client.Calls); // 4.95 s of calls, one request
        _time.Advance(TimeSpan.FromMilliseconds(50));
        _client.FailWith = null;
        Assert.NotNull(await cache.GetTokenAsync());
        Assert.Equal(2, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_RateLimitedWithLongerRetryAfter_CoolsDownForRetryAfter()
    {
        _client.FailWith = new OrumRateLimitedException("slow down", OrumErrorCodes.TooManyRequests, retryAfter: TimeSpan.FromSeconds(20));
        using var cache = NewCache();

        await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask());
        _time.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask());
        Assert.Equal(1, _client.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<OrumRateLimitedException>(() => cache.GetTokenAsync().AsTask());
        Assert.Equal(2, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_CallerCancels_OnlyThatCallerStopsWaiting()
    {
        _client.Hold = true;
        using var cache = NewCache();
        using var cts = new CancellationTokenSource();

        var cancelled = cache.GetTokenAsync(cts.Token).AsTask();
        var patient = cache.GetTokenAsync().AsTask();
        cts.Cancel();

        Assert.True(cancelled.IsCanceled); // at once, not when the shared request ends
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bounded));
        Assert.False(patient.IsCompleted);
        Assert.False(_client.LastCancellationToken.IsCancellationRequested);

        var issued = _client.Release();
        Assert.Same(issued, await patient.WaitAsync(Bounded));
        Assert.Same(issued, await cache.GetTokenAsync()); // the shared request's result was kept
        Assert.Equal(1, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_AlreadyCancelledToken_ThrowsWithoutRequest()
    {
        using var cache = NewCache();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetTokenAsync(new CancellationToken(canceled: true)).AsTask());
        Assert.Equal(0, _client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_SharedRequestHangs_EndsAtItsTimeoutAndReleasesEveryWaiter()
    {
        _client.Hold = true; // and never released: the request ignores its cancellation token
        using var cache = NewCache(o => o.TokenRequestTimeout = TimeSpan.FromSeconds(30));
        var waiters = Enumerable.Range(0, 20).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();

        // OrumAuthClient ends its own request at TokenRequestTimeout; for a client that does not, the cache releases
        // every waiter a second later.
        _time.Advance(TimeSpan.FromSeconds(31) - TimeSpan.FromTicks(1));
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        _time.Advance(TimeSpan.FromTicks(1));

        foreach (var waiter in waiters)
        {
            var error = await Assert.ThrowsAsync<OrumNetworkException>(() => waiter.WaitAsync(Bounded));
            Assert.True(error.IsTimeout);
            Assert.Contains("did not complete within 30 s", error.Message, StringComparison.Ordinal);
        }

        Assert.True(_client.LastCancellationToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Invalidate_FiftyHandlersRejectSameToken_OneNewRequest()
    {
        using var cache = NewCache();
        var rejected = await cache.GetTokenAsync();
        _time.Advance(TimeSpan.FromMinutes(10)); // revoked while in use

        Parallel.For(0, 50, _ => cache.Invalidate(rejected));
        var fresh = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => cache.GetTokenAsync().AsTask()));

        Assert.Equal(2, _client.Calls);
        Assert.All(fresh, t => Assert.Same(fresh[0], t));
        Assert.NotSame(rejected, fresh[0]);
    }

    [Fact]
    public async Task Invalidate_OlderToken_DoesNothing()
    {
        using var cache = NewCache();
        var first = await cache.GetTokenAsync();
        _time.Advance(RequestFloor);
        cache.Invalidate(first);
        var second = await cache.GetTokenAsync();

        cache.Invalidate(first);
        cache.Invalidate(new OrumAccessToken("someone-elses-token", "Bearer", Hour, _time.GetUtcNow()));

        Assert.Same(second, await cache.GetTokenAsync());
        Assert.Equal(2, _client.Calls);
    }

    [Fact]
    public async Task Invalidate_ClientListensForRejections_ToldOfEachBeforeTheReplacementIsRequested()
    {
        var client = new ListeningClient(_time);
        using var cache = new TokenCache(client, TestCredentials.Options(), _time);
        var rejected = await cache.GetTokenAsync();
        _time.Advance(RequestFloor);

        cache.Invalidate(rejected);
        var fresh = await cache.GetTokenAsync();
        cache.Invalidate(new OrumAccessToken("someone-elses-token", "Bearer", Hour, _time.GetUtcNow()));

        Assert.Equal(["token-1", "someone-elses-token"], client.Rejected);
        Assert.Equal(["request", "rejected token-1", "request", "rejected someone-elses-token"], client.Events);
        Assert.Equal("token-2", fresh.Value);
    }

    [Fact]
    public async Task GetTokenAsync_ThousandCallersAndZeroLifetimeTokensFromASynchronousClient_RequestsStartAFloorApart()
    {
        var client = new TimedClient(_time, TimeSpan.Zero); // answers at once, with tokens that are never usable
        using var cache = new TokenCache(client, TestCredentials.Options(), _time);

        var callers = Enumerable.Range(0, 1_000).Select(_ => cache.GetTokenAsync().AsTask()).ToList();
        Assert.Single(client.Starts);
        _time.Advance(RequestFloor);
        var tokens = await Task.WhenAll(callers).WaitAsync(Bounded);

        Assert.Equal([TimeSpan.Zero, RequestFloor], client.Starts.Select(s => s - client.Starts[0]));
        Assert.Equal(1, tokens.Count(t => t.Value == "token-1")); // the first caller's own request
        Assert.Equal(999, tokens.Count(t => t.Value == "token-2"));
    }

    [Fact]
    public async Task Invalidate_InALoop_TokenRequestsStartAFloorApart()
    {
        var client = new TimedClient(_time, Hour);
        using var cache = new TokenCache(client, TestCredentials.Options(), _time);

        for (var i = 0; i < 100; i++)
        {
            var pending = cache.GetTokenAsync().AsTask();
            if (!pending.IsCompleted)
            {
                _time.Advance(client.Starts[^1] + RequestFloor - _time.GetUtcNow());
            }

            cache.Invalidate(await pending.WaitAsync(Bounded));
        }

        var gaps = client.Starts.Zip(client.Starts.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.True(gap >= RequestFloor, $"two token requests started {gap} apart"));
        Assert.Equal(100, client.Starts.Count);
    }

    [Fact]
    public async Task GetTokenAsync_ClientCompletesWithNull_EveryCallerGetsOrumAuthExceptionAtOnce()
    {
        var client = new NullClient(nullTask: false);
        using var cache = new TokenCache(client, TestCredentials.Options(), _time);

        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetTokenAsync().AsTask()).ToList();
        var errors = await Task.WhenAll(callers.Select(c => Assert.ThrowsAsync<OrumAuthException>(() => c.WaitAsync(Bounded))));
        var duringCoolDown = await Assert.ThrowsAsync<OrumAuthException>(() => cache.GetTokenAsync().AsTask().WaitAsync(Bounded));

        Assert.All(errors, e => Assert.Contains("null", e.Message, StringComparison.Ordinal));
        Assert.Same(errors[0], duringCoolDown);
        Assert.Equal(1, client.Calls);
    }

    [Fact]
    public async Task GetTokenAsync_ClientReturnsANullTask_OrumAuthExceptionNotNullReference()
    {
        var client = new NullClient(nullTask: true);
        using var cache = new TokenCache(client, TestCredentials.Options(), _time);

        var error = await Assert.ThrowsAsync<OrumAuthException>(() => cache.GetTokenAsync().AsTask().WaitAsync(Bounded));

        Assert.Contains("null", error.Message, StringComparison.Ordinal);
        Assert.IsNotType<NullReferenceException>(error.InnerException);
    }

    [Fact]
    public async Task GetTokenAsync_ZeroLifetimeTokens_OneRequestPerBurstAndOneWarning()
    {
        _client.Lifetime = TimeSpan.Zero;
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var loggerFactory = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);
        using var cache = new TokenCache(_client, new OrumAuthOptions(), _time, loggerFactory);

        for (var burst = 1; burst <= 3; burst++)
        {
            _client.Hold = true;
            var callers = Enumerable.Range(0, 100).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();
            Assert.Equal(burst, _client.Calls);
            _client.Release();
            _client.Hold = false;
            await Task.WhenAll(callers).WaitAsync(Bounded);
            Assert.Equal(burst, _client.Calls); // no loop once the burst is served
            _time.Advance(RequestFloor); // the next burst comes a second later
        }

        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 11 && r.Id.Name == "ShortLivedToken");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task GetTokenAsync_TokensOfAFewSeconds_AtMostOneRequestPerBurstAndPerHalfLife(int seconds)
    {
        _client.Lifetime = TimeSpan.FromSeconds(seconds);
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var loggerFactory = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);
        using var cache = new TokenCache(_client, new OrumAuthOptions(), _time, loggerFactory);

        // A burst of 100 concurrent callers every 250 ms for 10 simulated seconds.
        for (var burst = 0; burst < 40; burst++)
        {
            var before = _client.Calls;
            _client.Hold = true;
            var callers = Enumerable.Range(0, 100).Select(_ => cache.GetTokenAsync().AsTask()).ToArray();
            var started = _client.Calls - before;
            Assert.InRange(started, 0, 1);
            if (started == 1)
            {
                _client.Release();
            }

            _client.Hold = false;
            await Task.WhenAll(callers).WaitAsync(Bounded);
            Assert.Equal(before + started, _client.Calls); // serving the burst started no further request
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        // Refreshed from half-life: at most one request per half-life (plus the first), never a loop.
        Assert.InRange(_client.Calls, 2, (int)(10 / (seconds / 2.0)) + 1);
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 11 && r.Id.Name == "ShortLivedToken");
    }

    [Fact]
    public void GetTokenAsync_MillionCallsOn8ThreadsOverThreeHours_MakesThreeOrFourRequests()
    {
        using var cache = NewCache();
        const int Steps = 180; // one simulated minute each
        const int CallsPerThreadPerStep = 1_000_000 / Steps / 8 + 1;
        var margin = new OrumAuthOptions().ExpiryMargin;
        var waited = 0;
        var insideMargin = 0;

        // Cold start, answered at once. From then on a token request stays in flight until its step ends, so a caller
        // that needed it would get an incomplete ValueTask: only refreshes ahead of expiry keep every caller served.
        Completed.Token(cache.GetTokenAsync());
        _client.Hold = true;
        var answered = 1;

        for (var step = 0; step < Steps; step++)
        {
            var now = _time.GetUtcNow();
            Parallel.For(0, 8, _ =>
            {
                for (var i = 0; i < CallsPerThreadPerStep; i++)
                {
                    var pending = cache.GetTokenAsync();
                    if (!pending.IsCompletedSuccessfully)
                    {
                        Interlocked.Increment(ref waited);
                    }
                    else if (pending.Result.ExpiresAt - now <= margin)
                    {
                        Interlocked.Increment(ref insideMargin);
                    }
                }
            });

            for (; answered < _client.Calls; answered++)
            {
                _client.Release();
            }

            _time.Advance(TimeSpan.FromMinutes(1));
        }

        // Requests at 0, 55, 110 and 165 minutes: one per lifetime, always ahead of expiry.
        Assert.InRange(_client.Calls, 3, 4);
        Assert.Equal(0, waited); // every one of the 1,000,800 calls was answered at once, also while a refresh was in flight
        Assert.Equal(0, insideMargin); // and never with a token within 60 s of its expiry
    }

    [Fact]
    public async Task GetTokenAsync_FailedBackgroundRefresh_RaisesNoUnobservedTaskException()
    {
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.InnerExceptions.Any(x => x is OrumAuthException))
            {
                Interlocked.Increment(ref unobserved);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await RunFailingBackgroundRefreshAsync();
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Equal(0, Volatile.Read(ref unobserved));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    [Fact]
    public async Task Dispose_WhileRequestInFlight_ReleasesWaitersWithTypedException()
    {
        _client.Hold = true;
        var cache = NewCache();
        var waiting = cache.GetTokenAsync().AsTask();

        cache.Dispose();

        await Assert.ThrowsAsync<OrumAuthException>(() => waiting.WaitAsync(Bounded));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.GetTokenAsync().AsTask());
    }

    private async Task RunFailingBackgroundRefreshAsync()
    {
        using var cache = NewCache();
        await cache.GetTokenAsync();
        _client.FailWith = new OrumServerException("down", HttpStatusCode.InternalServerError);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(i == 0 ? Hour - TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(30));
            await cache.GetTokenAsync();
        }

        Assert.Equal(6, _client.Calls);
    }

    private TokenCache NewCache(Action<OrumAuthOptions>? configure = null)
    {
        var options = new OrumAuthOptions();
        configure?.Invoke(options);
        return new TokenCache(_client, options, _time);
    }

    /// <summary>A token client that keeps its tokens elsewhere too, and wants to hear when one is rejected.</summary>
    private sealed class ListeningClient(TimeProvider time) : IOrumTokenClient, IOrumTokenRejectionListener
    {
        public List<string> Rejected { get; } = [];

        public List<string> Events { get; } = [];

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            Events.Add("request");
            return Task.FromResult(new OrumAccessToken($"token-{Events.Count(e => e == "request")}", "Bearer", Hour, time.GetUtcNow()));
        }

        public void OnTokenRejected(OrumAccessToken rejected)
        {
            Rejected.Add(rejected.Value);
            Events.Add($"rejected {rejected.Value}");
        }
    }

    /// <summary>Answers every request at once with a token of <c>lifetime</c>, and records when each request started.</summary>
    private sealed class TimedClient(TimeProvider time, TimeSpan lifetime) : IOrumTokenClient
    {
        public List<DateTimeOffset> Starts { get; } = [];

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            lock (Starts)
            {
                Starts.Add(time.GetUtcNow());
                return Task.FromResult(new OrumAccessToken($"token-{Starts.Count}", "Bearer", lifetime, time.GetUtcNow()));
            }
        }
    }

    /// <summary>A buggy client, or a mock nobody set up: a null token, or no task at all.</summary>
    private sealed class NullClient(bool nullTask) : IOrumTokenClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return nullTask ? null! : Task.FromResult<OrumAccessToken>(null!);
        }
    }
}
