using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Orum.Auth.Tests.TestSupport;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>
/// The token endpoint's Polly pipeline, as <c>AddOrumAuth</c> registers it, observed by its behaviour: attempts counted
/// at the fake endpoint, delays and timeouts measured on the <see cref="TimeProvider"/> registered in DI.
/// </summary>
public sealed class TokenResilienceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _abort = new();
    private ServiceProvider? _provider;

    // Retry delays in these tests are shorter than this; the attempt (10 s) and total (30 s) timeouts are not.
    private static readonly TimeSpan RetryDelays = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RequestTokenAsync_ServerErrorEveryTime_MakesThreeAttemptsWithJitteredBackOffBetween()
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => call.WaitAsync(Limit));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, token.Count);
        Assert.Equal(2, delays.Count);
        Assert.InRange(delays[0], TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1.5)); // exponential from 1 s, with jitter
        Assert.InRange(delays[1], TimeSpan.FromTicks(1), TimeSpan.FromSeconds(3));
        Assert.NotEqual([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], delays); // without jitter they would be exactly these
    }

    public static TheoryData<int> RetriedStatuses => [408, 429, 500, 502, 503, 504];

    [Theory]
    [MemberData(nameof(RetriedStatuses))]
    public async Task RequestTokenAsync_TransientStatusOnce_RetriesAfterABackOffAndSucceeds(int status)
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error((HttpStatusCode)status));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.Equal(2, token.Count);
        Assert.Single(delays);
    }

    [Fact]
    public async Task RequestTokenAsync_NetworkErrorOnce_RetriesAndSucceeds()
    {
        var (clock, token, client) = Arrange();
        token.ThenNetworkError();

        var call = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(call, RetryDelays);

        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task RequestTokenAsync_NetworkErrorEveryTime_ThrowsOrumNetworkExceptionAfterThreeAttempts()
    {
        var (clock, token, client) = Arrange();
        token.ThenNetworkError().ThenNetworkError().ThenNetworkError();

        var call = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(call, RetryDelays);

        var ex = await Assert.ThrowsAsync<OrumNetworkException>(() => call.WaitAsync(Limit));
        Assert.False(ex.IsTimeout);
        Assert.Equal(3, token.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, typeof(OrumBadRequestException))]
    [InlineData(HttpStatusCode.Unauthorized, typeof(OrumUnauthorizedException))]
    [InlineData(HttpStatusCode.Forbidden, typeof(OrumForbiddenException))]
    public async Task RequestTokenAsync_ClientError_IsNotRetried(HttpStatusCode status, Type expected)
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error(status));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        var ex = await Assert.ThrowsAnyAsync<OrumApiException>(() => call.WaitAsync(Limit));
        Assert.IsType(expected, ex);
        Assert.Equal(1, token.Count);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfter5s_RetriesNoSoonerThan5sOnTheDiClock()
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, ("Retry-After", "5")));

        var call = client.RequestTokenAsync(_abort.Token);

        // The delay is scheduled on the FakeTimeProvider registered in DI (on the system clock this would never show up).
        Assert.Equal(TimeSpan.FromSeconds(5), await clock.NextTimerAsync(RetryDelays));
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, token.Count);
        Assert.False(call.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        await token.WaitForRequestsAsync(2);

        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.Equal(2, token.Count);
    }

    [Theory]
    [InlineData("1.5s", null, 1500)]
    [InlineData("350ms", null, 350)]
    [InlineData("3.5s", "2", 3500)] // the longer of the two headers
    [InlineData("1s", "4", 4000)]
    public async Task RequestTokenAsync_RateLimitedWithXRetryIn_WaitsWhatOrumAsksOrTheBackOffWhenLonger(string retryIn, string? retryAfter, int expectedMs)
    {
        var (clock, token, client) = Arrange();
        token.Then(() => retryAfter is null
            ? RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("X-Retry-In", retryIn))
            : RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("X-Retry-In", retryIn), ("Retry-After", retryAfter)));

        var call = client.RequestTokenAsync(_abort.Token);
        var due = await clock.NextTimerAsync(RetryDelays);
        clock.Advance(due);

        // Never sooner than Orum asks, nor than the back-off (0.5–1.5 s before the first retry): the longer of the two.
        Assert.InRange(due, TimeSpan.FromMilliseconds(Math.Max(expectedMs, 500)), TimeSpan.FromMilliseconds(Math.Max(expectedMs, 1500)));
        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfterAsHttpDate_IsMeasuredOnTheDiClock()
    {
        var (clock, token, client) = Arrange();
        var at = clock.GetUtcNow().AddSeconds(5).ToString("r", CultureInfo.InvariantCulture);
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, ("Retry-After", at)));

        var call = client.RequestTokenAsync(_abort.Token);
        var due = await clock.NextTimerAsync(RetryDelays);
        clock.Advance(due);

        Assert.Equal(TimeSpan.FromSeconds(5), due);
        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfterLongerThanATokenRequest_IsNotWaitedButReported()
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", "60")));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => call.WaitAsync(Limit));
        Assert.Equal(TimeSpan.FromSeconds(60), ex.RetryAfter);
        Assert.Equal(1, token.Count);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task RequestTokenAsync_AttemptHangs_IsCutAfter10sAndRetried()
    {
        var (clock, token, client) = Arrange();
        var start = clock.GetUtcNow();
        TimeSpan? cutAfter = null;
        token.ThenHang(() => cutAfter = clock.GetUtcNow() - start);

        var call = client.RequestTokenAsync(_abort.Token);
        await token.WaitForRequestsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Null(cutAfter); // a timeout fires inside Advance, so this is not a race

        clock.Advance(TimeSpan.FromSeconds(0.1));
        await clock.DriveAsync(call, RetryDelays);

        Assert.Equal(TimeSpan.FromSeconds(10), cutAfter);
        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task RequestTokenAsync_EveryAttemptHangs_EachCutAfter10sAndNoTotalShorterThanTokenRequestTimeout()
    {
        // A TokenRequestTimeout longer than three attempts: the only limits in play are the attempts' own.
        var (clock, token, client) = Arrange(o => o.TokenRequestTimeout = TimeSpan.FromMinutes(2));
        var start = clock.GetUtcNow();
        var cuts = new List<TimeSpan>();
        token.ThenHang(() => cuts.Add(clock.GetUtcNow() - start))
            .ThenHang(() => cuts.Add(clock.GetUtcNow() - start))
            .ThenHang(() => cuts.Add(clock.GetUtcNow() - start));

        var call = client.RequestTokenAsync(_abort.Token);
        var backOff = TimeSpan.Zero;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await token.WaitForRequestsAsync(attempt);
            clock.Advance(TimeSpan.FromSeconds(10)); // the attempt times out
            var delay = await clock.NextTimerAsync(RetryDelays);
            backOff += delay;
            clock.Advance(delay); // the back-off passes
        }

        await token.WaitForRequestsAsync(3);
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, cuts.Count);

        clock.Advance(TimeSpan.FromMilliseconds(1));

        var ex = await Assert.ThrowsAsync<OrumNetworkException>(() => call.WaitAsync(Limit));
        Assert.True(ex.IsTimeout);
        Assert.IsType<TimeoutRejectedException>(ex.InnerException);
        Assert.Equal(TimeSpan.FromSeconds(10), cuts[0]);
        Assert.Equal(TimeSpan.FromSeconds(30) + backOff, cuts[2]); // over 30 s in all: no hidden total cut it short
        Assert.Equal(3, token.Count);
    }

    [Theory]
    [InlineData("Retry-After", "0")]
    [InlineData("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")] // a date in the past: clock skew
    [InlineData("X-Retry-In", "0s")]
    public async Task RequestTokenAsync_ServerAsksForNoWait_TheBackOffStillHolds(string header, string value)
    {
        var (clock, token, client) = Arrange();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, (header, value)))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, (header, value)))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, (header, value)));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        await Assert.ThrowsAsync<OrumServerException>(() => call.WaitAsync(Limit));
        Assert.Equal(3, token.Count);
        Assert.Equal(2, delays.Count);
        Assert.InRange(delays[0], TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5)); // exponential from 1 s, with jitter
        Assert.InRange(delays[1], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfterShorterThanTheBackOff_WaitsTheBackOff()
    {
        var (clock, token, client) = Arrange(configureBuilder: b => b.TokenResilience.Configure(o => o.Retry.Delay = TimeSpan.FromSeconds(4)));
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", "1")));

        var call = client.RequestTokenAsync(_abort.Token);
        var delays = await clock.DriveAsync(call, RetryDelays);

        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.InRange(Assert.Single(delays), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6)); // 4 s with jitter, not Orum's 1 s
    }

    [Fact]
    public async Task RequestTokenAsync_TokenRequestTimeoutAbove30s_ASlowThirdAttemptStillSucceeds()
    {
        var (clock, token, client) = Arrange(o => o.TokenRequestTimeout = TimeSpan.FromSeconds(50));
        var slow = TimeSpan.FromSeconds(9); // under the 10 s attempt timeout, so only a shorter total could cut it
        token.ThenHang()
            .Then(async (_, _, cancellationToken) =>
            {
                await Task.Delay(slow, clock, cancellationToken);
                return RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable, ("Retry-After", "9"));
            })
            .Then(async (_, attempt, cancellationToken) =>
            {
                await Task.Delay(slow, clock, cancellationToken);
                return RecordingEndpoint.Token($"token-{attempt}");
            });
        var start = clock.GetUtcNow();

        var call = client.RequestTokenAsync(_abort.Token);
        await token.WaitForRequestsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(10)); // the first attempt times out
        clock.Advance(await clock.NextTimerAsync(RetryDelays)); // the back-off passes
        await token.WaitForRequestsAsync(2);
        clock.Advance(await clock.NextTimerAsync(TimeSpan.FromSeconds(9.5))); // a slow 503
        clock.Advance(await clock.NextTimerAsync(TimeSpan.FromSeconds(9.5))); // Orum's Retry-After: 9
        await token.WaitForRequestsAsync(3);
        clock.Advance(await clock.NextTimerAsync(TimeSpan.FromSeconds(9.5))); // a slow answer

        Assert.Equal("token-3", (await call.WaitAsync(Limit)).Value);
        Assert.True(clock.GetUtcNow() - start > TimeSpan.FromSeconds(37), "the request took more than 30 s in all");
    }

    [Fact]
    public async Task GetTokenAsync_TokenRequestTimeoutBelowAnAttempt_OneTypedTimeoutWithOneMessage()
    {
        var (clock, token, client) = Arrange(o => o.TokenRequestTimeout = TimeSpan.FromSeconds(3));
        token.ThenHang().ThenHang();
        var cache = _provider!.GetRequiredService<IOrumTokenProvider>();

        var direct = client.RequestTokenAsync(_abort.Token);
        var cached = cache.GetTokenAsync().AsTask();
        await token.WaitForRequestsAsync(2);
        clock.Advance(TimeSpan.FromSeconds(3));

        var fromClient = await Assert.ThrowsAsync<OrumNetworkException>(() => direct.WaitAsync(Limit));
        var fromCache = await Assert.ThrowsAsync<OrumNetworkException>(() => cached.WaitAsync(Limit));
        Assert.True(fromClient.IsTimeout);
        Assert.True(fromCache.IsTimeout);
        Assert.Contains("did not complete within 3 s", fromClient.Message, StringComparison.Ordinal);
        Assert.Equal(fromClient.Message, fromCache.Message);
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task RequestTokenAsync_SustainedFailure_OpensTheCircuitUntilTheBreakEnds()
    {
        var (clock, token, client) = Arrange();
        for (var i = 0; i < 6; i++)
        {
            token.Then(() => RecordingEndpoint.Error(HttpStatusCode.InternalServerError));
        }

        for (var i = 0; i < 2; i++)
        {
            var failing = client.RequestTokenAsync(_abort.Token);
            await clock.DriveAsync(failing, RetryDelays);
            await Assert.ThrowsAsync<OrumServerException>(() => failing.WaitAsync(Limit));
        }

        Assert.Equal(6, token.Count);

        var rejected = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(rejected, RetryDelays);
        var ex = await Assert.ThrowsAsync<OrumNetworkException>(() => rejected.WaitAsync(Limit));
        Assert.IsType<BrokenCircuitException>(ex.InnerException, exactMatch: false);
        Assert.Equal(6, token.Count); // nothing was sent while the circuit is open

        clock.Advance(TimeSpan.FromSeconds(4));
        var stillOpen = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(stillOpen, RetryDelays);
        await Assert.ThrowsAsync<OrumNetworkException>(() => stillOpen.WaitAsync(Limit));
        Assert.Equal(6, token.Count);

        clock.Advance(TimeSpan.FromSeconds(2)); // the break (5 s, the cache's cool-down) is over
        var recovered = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(recovered, RetryDelays);

        Assert.Equal("token-7", (await recovered.WaitAsync(Limit)).Value);
    }

    [Fact]
    public async Task TokenResilience_Configure_ChangesThePipeline()
    {
        var (clock, token, client) = Arrange(configureBuilder: b => b.TokenResilience.Configure(o => o.Retry.MaxRetryAttempts = 1));
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable))
            .Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable));

        var call = client.RequestTokenAsync(_abort.Token);
        await clock.DriveAsync(call, RetryDelays);

        await Assert.ThrowsAsync<OrumServerException>(() => call.WaitAsync(Limit));
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task TokenCache_TransientFailureBehindTheCache_IsRetriedInsideOneTokenRequest()
    {
        var (clock, token, _) = Arrange();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.BadGateway));
        var cache = _provider!.GetRequiredService<IOrumTokenProvider>();

        var call = cache.GetTokenAsync().AsTask();
        await clock.DriveAsync(call, RetryDelays);

        Assert.Equal("token-2", (await call.WaitAsync(Limit)).Value);
        Assert.Equal(2, token.Count);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        // A test that failed half-way can leave a token request waiting on the fake clock, and the container waits for
        // requests in flight in its resilience pipelines when it is disposed: end them first.
        await _abort.CancelAsync();
        if (_provider is not null)
        {
            _provider.GetService<TokenCache>()?.Dispose();
            await _provider.DisposeAsync().AsTask().WaitAsync(Limit);
        }
    }

    public void Dispose() => _abort.Dispose();

    private (ObservedTimeProvider Clock, RecordingEndpoint Token, OrumAuthClient Client) Arrange(
        Action<OrumAuthOptions>? configure = null, Action<IOrumAuthBuilder>? configureBuilder = null)
    {
        var clock = new ObservedTimeProvider();
        var token = RecordingEndpoint.TokenEndpoint();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        var builder = services.AddOrumAuth(o =>
        {
            OrumTestServices.Credentials(o);
            configure?.Invoke(o);
        });
        builder.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        configureBuilder?.Invoke(builder);
        _provider = services.BuildStrict();
        return (clock, token, _provider.GetRequiredService<OrumAuthClient>());
    }
}
