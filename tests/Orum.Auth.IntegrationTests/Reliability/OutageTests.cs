using Orum.Auth.IntegrationTests.TestSupport;
using Polly.CircuitBreaker;
using Xunit.Abstractions;

namespace Orum.Auth.IntegrationTests.Reliability;

/// <summary>
/// Issue 9, point 2: the token endpoint is down for 10 simulated minutes while 8 workers call Deliver every second. The
/// token got before the outage keeps serving until its margin; then callers get the typed exception, with token requests
/// at the cool-down's pace; when the endpoint returns, traffic resumes.
/// </summary>
/// <remarks>
/// Timeline, on one fake clock shared by the emulator and the client: a 10-minute token is requested at 0; the outage
/// runs from 4:00 to 14:00; the token's refresh point is 5:00 and it stops being usable at 9:00 (60 s margin); the run
/// ends at 15:00.
/// </remarks>
[Collection(RunAlone.Name)]
public sealed class OutageTests(ITestOutputHelper output)
{
    private const int Workers = 8;
    private const int MaxAttempts = 3;

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RefreshAt = TimeSpan.FromMinutes(5);       // RefreshBeforeExpiry 5 min = half of 10 min
    private static readonly TimeSpan UsableUntil = TimeSpan.FromMinutes(9);     // ExpiryMargin 60 s = 10 % of 10 min
    private static readonly TimeSpan OutageStart = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan OutageLength = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunLength = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    // The policy: cool-down 5 s or Retry-After when longer; background refresh retried after 30 s or Retry-After when
    // longer; a Retry-After over 10 s is not waited out inside the pipeline (1 attempt instead of 3); the circuit breaker
    // opens after 6 failed attempts in 60 s and lets one trial through every 5 s (no longer than the cool-down).
    private static readonly TimeSpan MinCoolDown = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BackgroundRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfterInPipeline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(TokenFault.ServiceUnavailable, 0)]
    [InlineData(TokenFault.DropConnection, 0)]
    [InlineData(TokenFault.RateLimited, 30)]
    public async Task Deliver_TokenEndpointDownForTenMinutes_ServesTokenUntilItsMarginThenFailsAtTheCoolDownsPaceThenRecovers(TokenFault fault, int retryAfterSeconds)
    {
        TimeSpan? retryAfter = retryAfterSeconds > 0 ? TimeSpan.FromSeconds(retryAfterSeconds) : null;
        var attempts = retryAfter > MaxRetryAfterInPipeline ? 1 : MaxAttempts;
        var coolDown = retryAfter > MinCoolDown ? retryAfter.Value : MinCoolDown;
        var backgroundRetry = retryAfter > BackgroundRetryDelay ? retryAfter.Value : BackgroundRetryDelay;

        using var unobserved = new UnobservedTaskExceptions();
        var app = await ChaosApp.StartAsync(TokenLifetime, Workers, seed: 9);
        var ticks = new List<CallTick>();
        DateTimeOffset? down = null, back = null;
        try
        {
            for (var target = app.Start; target <= app.Start + RunLength; target += Tick)
            {
                await app.AdvanceToAsync(target);
                if (down is null && app.Elapsed >= OutageStart)
                {
                    down = app.Time.GetUtcNow();
                    app.Faults.Down(fault, retryAfter);
                }

                if (back is null && app.Elapsed >= OutageStart + OutageLength)
                {
                    back = app.Time.GetUtcNow();
                    app.Faults.Healthy();
                }

                ticks.Add(await app.TickAsync());
            }
        }
        finally
        {
            await app.DisposeAsync();
        }

        var usableUntil = app.Start + UsableUntil;
        var acquisitions = app.Acquisitions.Completed;
        var served = app.Faults.Served;
        var calls = ticks.SelectMany(t => t.Outcomes.Select(error => (t.At, Error: error))).ToList();
        var recovered = calls.First(c => c.At >= usableUntil && c.Error is null).At;
        var failures = calls.Where(c => c.Error is not null).ToList();
        var background = acquisitions.Where(a => a.Start >= down && a.Start < usableUntil).ToList();
        var foreground = acquisitions.Where(a => a.Start >= usableUntil && a.Start < back).ToList();
        var backgroundRequests = served.Count(s => s.At >= down && s.At < usableUntil);
        var foregroundRequests = served.Count(s => s.At >= usableUntil && s.At < back);
        var lastRefusal = acquisitions.Where(a => !a.Succeeded && a.Requests > 0 && a.End <= back).Max(a => a.End);
        var breakerClosedBy = lastRefusal + BreakDuration > back!.Value ? lastRefusal + BreakDuration : back.Value;

        var maxBackground = (int)Math.Ceiling((UsableUntil - RefreshAt) / backgroundRetry);
        var maxForeground = (int)((back.Value - usableUntil) / coolDown) + 1;
        var issueBudget = (int)(OutageLength / coolDown) * attempts; // the issue's formula: one acquisition per cool-down window, 3 attempts each
        output.WriteLine($"{fault} (Retry-After {retryAfter?.TotalSeconds ?? 0} s): down {down - app.Start}, back {back - app.Start}, first success after it at {recovered - app.Start}");
        output.WriteLine($"calls {calls.Count}, failed {failures.Count} (from {failures[0].At - app.Start} to {failures[^1].At - app.Start}), distinct exceptions {failures.Select(f => f.Error).Distinct().Count()}");
        output.WriteLine($"background: {background.Count} acquisitions (max {maxBackground}), {backgroundRequests} requests (max {maxBackground * attempts})");
        output.WriteLine($"no token: {foreground.Count} acquisitions (max {maxForeground}), {foregroundRequests} requests (max {maxForeground * attempts}); {foreground.Count(a => a.Requests == 0)} refused by the circuit breaker");
        output.WriteLine($"outage requests: {backgroundRequests + foregroundRequests} (issue's budget {issueBudget}); after the return: {served.Count(s => s.At >= back)}");
        output.WriteLine($"circuit breaker: last refusal at {lastRefusal - app.Start}, closed by {breakerClosedBy - app.Start}");

        // The token serves every call until its margin, and not one second longer.
        Assert.All(calls.Where(c => c.At < usableUntil), c => Assert.Null(c.Error));
        Assert.Equal(usableUntil, failures[0].At);

        // From then on every caller gets the typed exception, without a request to the API, until traffic resumes; then
        // every call succeeds.
        Assert.All(calls.Where(c => c.At >= usableUntil && c.At < recovered), c => AssertOutageException(c.Error, fault, retryAfter));
        Assert.All(calls.Where(c => c.At >= recovered), c => Assert.Null(c.Error));
        Assert.Equal(calls.Count - failures.Count, app.Server.ApiRequestCount);
        Assert.Equal(0, app.Api.WithoutToken);
        Assert.Equal(0, app.Api.NotOk);

        // Background refresh: from the refresh point, retried no sooner than 30 s (or Retry-After) after each failure.
        Assert.Equal(app.Start + RefreshAt, background[0].Start);
        Assert.InRange(background.Count, 1, maxBackground);
        Assert.All(background.Zip(background.Skip(1)), pair => Assert.True(pair.Second.Start >= pair.First.End + backgroundRetry, $"Background refresh at {pair.Second.Start - app.Start}, {backgroundRetry} had not passed since {pair.First.End - app.Start}."));
        Assert.InRange(backgroundRequests, background.Count, maxBackground * attempts);

        // No usable token: at most one acquisition per cool-down, at most 3 attempts each; callers within a cool-down
        // share one exception.
        Assert.All(foreground.Zip(foreground.Skip(1)), pair => Assert.True(pair.Second.Start >= pair.First.End + coolDown, $"Acquisition at {pair.Second.Start - app.Start}, within the cool-down of the failure at {pair.First.End - app.Start}."));
        Assert.InRange(foreground.Count, 1, maxForeground);
        Assert.InRange(foregroundRequests, 1, maxForeground * attempts);
        Assert.All(acquisitions, a => Assert.InRange(a.Requests, 0, attempts));
        var failedUntilRecovery = acquisitions.Count(a => !a.Succeeded && a.Start >= usableUntil && a.Start < recovered);
        Assert.InRange(failures.Select(f => f.Error).Distinct().Count(), 1, failedUntilRecovery + 1); // + a background 429 remembered past the margin
        Assert.InRange(backgroundRequests + foregroundRequests, 1, issueBudget);

        // Recovery: the first token request after the endpoint returns succeeds, and traffic resumes within one cool-down
        // of the return (+ one tick: callers arrive once a second). The breaker's break is no longer than the cool-down,
        // so it never holds traffic back beyond it.
        Assert.Equal([TokenFault.None], served.Where(s => s.At >= back).Select(s => s.Kind));
        Assert.InRange(recovered, back.Value, back.Value + coolDown + Tick);
        Assert.InRange(breakerClosedBy, back.Value, back.Value + coolDown);

        Assert.Empty(unobserved.Collect());
    }

    private static void AssertOutageException(Exception? error, TokenFault fault, TimeSpan? retryAfter)
    {
        Assert.NotNull(error);
        if (error is OrumNetworkException { InnerException: BrokenCircuitException })
        {
            Assert.NotEqual(TokenFault.RateLimited, fault); // a 429 every 30 s never reaches the breaker's 6 failures in 60 s
            return;
        }

        switch (fault)
        {
            case TokenFault.ServiceUnavailable:
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, Assert.IsType<OrumServerException>(error).StatusCode);
                break;
            case TokenFault.DropConnection:
                Assert.False(Assert.IsType<OrumNetworkException>(error).IsTimeout);
                break;
            case TokenFault.RateLimited:
                Assert.Equal(retryAfter, Assert.IsType<OrumRateLimitedException>(error).RetryAfter);
                break;
            default:
                Assert.Fail($"No expectation for {fault}.");
                break;
        }
    }
}
