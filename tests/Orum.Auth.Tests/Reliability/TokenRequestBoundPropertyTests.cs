using System.Net;
using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

/// <summary>
/// The bound on one credential's token requests as a property: generated sequences of calls, invalidations (of the
/// current token and of old ones, alone and in bursts, as a 401 storm reports them), option reloads (a new secret, or a
/// setting that is no credential), clock advances and token-client outcomes (lifetimes 0 s, 1 s and 1 h; 400, 401 and
/// 429 with and without Retry-After; 5xx; a request that never answers; null). For every sequence: no two token
/// requests start closer than the floor except across a credential change, none sooner than a Retry-After Orum sent,
/// every waiter completes, and no token is handed out after it expired.
/// </summary>
public sealed class TokenRequestBoundPropertyTests
{
    private static readonly TimeSpan Floor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryAfterHonoured = TimeSpan.FromMinutes(10);
    private static readonly bool Long = Environment.GetEnvironmentVariable("ORUM_LONG_TESTS") == "1";

    private static readonly TimeSpan[] Advances =
    [
        TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(61),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(55), TimeSpan.FromHours(1),
    ];

    private static readonly Outcome[] Outcomes =
    [
        Outcome.Token(3600), Outcome.Token(3600), Outcome.Token(3600), Outcome.Token(1), Outcome.Token(0),
        Outcome.Fail(HttpStatusCode.BadRequest), Outcome.Fail(HttpStatusCode.BadRequest, 30),
        Outcome.Fail(HttpStatusCode.Unauthorized), Outcome.Fail(HttpStatusCode.Unauthorized, 60),
        Outcome.Fail(HttpStatusCode.TooManyRequests), Outcome.Fail(HttpStatusCode.TooManyRequests, 2),
        Outcome.Fail(HttpStatusCode.TooManyRequests, 60), Outcome.Fail(HttpStatusCode.TooManyRequests, 1200),
        Outcome.Fail(HttpStatusCode.InternalServerError), Outcome.Fail(HttpStatusCode.ServiceUnavailable, 5),
        Outcome.Hang(), Outcome.Null(),
    ];

    private static readonly Gen<Step> OneStep = Gen.Select(
        Gen.Int[0, 11].Select(i => i switch
        {
            < 6 => Action.Get,
            < 8 => Action.InvalidateCurrent,
            8 => Action.InvalidateOld,
            9 => Action.Storm,
            10 => Action.NewSecret,
            _ => Action.NewApiVersion,
        }),
        Gen.Int[0, 1000],
        Gen.Int[0, Outcomes.Length - 1].Select(i => Outcomes[i]),
        Gen.Int[0, Advances.Length - 1].Select(i => Advances[i]),
        (action, pick, outcome, advance) => new Step(action, pick, outcome, advance));

    private enum Action
    {
        Get,
        InvalidateCurrent,
        InvalidateOld,
        Storm,
        NewSecret,
        NewApiVersion,
    }

    [Fact]
    public Task GetTokenAsync_AnySequence_KeepsTheBound() =>
        OneStep.Array[5, 40].SampleAsync(RunAsync, iter: Long ? 5000 : 300, print: steps => string.Join(Environment.NewLine, steps.Select((s, i) => $"{i}: {s}")));

    private static async Task RunAsync(Step[] steps)
    {
        var clock = new ObservedTimeProvider();
        var client = new ScriptedClient(clock);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orum:ClientId"] = "made-up-id", ["Orum:ClientSecret"] = "made-up-secret-0" })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IOrumTokenClient>(client);
        services.AddOrumAuth(configuration.GetSection("Orum"));
        await using var provider = services.BuildServiceProvider();
        var tokens = provider.GetRequiredService<IOrumTokenProvider>();
        var credentialChanges = new List<DateTimeOffset>();
        var handedOut = new List<OrumAccessToken>();
        var secrets = 0;

        foreach (var step in steps)
        {
            clock.Advance(step.Advance);
            client.Next = step.Outcome;
            switch (step.Action)
            {
                case Action.Get:
                    var pending = tokens.GetTokenAsync();
                    if (pending.IsCompletedSuccessfully)
                    {
                        // A cached token, handed out now: it must not have expired. (One that comes from a request is the
                        // request's answer, issued when it was sent.)
                        var cached = pending.Result;
                        Assert.True(clock.GetUtcNow() <= cached.ExpiresAt, $"{cached} handed out at {clock.GetUtcNow():O}, after it expired");
                        handedOut.Add(cached);
                        break;
                    }

                    var call = pending.AsTask();
                    await clock.DriveAsync(call, TimeSpan.FromMinutes(1)); // every waiter completes
                    await call.ContinueWith(static _ => { }, TaskScheduler.Default);
                    if (call.IsCompletedSuccessfully)
                    {
                        handedOut.Add(call.Result);
                    }
                    else
                    {
                        Assert.IsAssignableFrom<OrumAuthException>(call.Exception!.InnerException);
                    }

                    break;
                case Action.InvalidateCurrent when handedOut.Count > 0:
                    tokens.Invalidate(handedOut[^1]);
                    break;
                case Action.InvalidateOld when handedOut.Count > 0:
                    tokens.Invalidate(handedOut[step.Pick % handedOut.Count]);
                    break;
                case Action.Storm when handedOut.Count > 0:
                    Parallel.For(0, 50, _ => tokens.Invalidate(handedOut[^1]));
                    break;
                case Action.NewSecret:
                    credentialChanges.Add(clock.GetUtcNow());
                    configuration["Orum:ClientSecret"] = $"made-up-secret-{++secrets}";
                    configuration.Reload();
                    break;
                case Action.NewApiVersion:
                    configuration["Orum:ApiVersion"] = $"v2030-01-{step.Pick % 28 + 1:00}";
                    configuration.Reload();
                    break;
            }
        }

        var starts = client.Starts;
        for (var i = 1; i < starts.Count; i++)
        {
            var (before, after) = (starts[i - 1], starts[i]);
            var changed = credentialChanges.Any(c => c >= before.At && c <= after.At);
            Assert.True(changed || after.At - before.At >= Floor, $"token requests {i} and {i + 1} started {(after.At - before.At).TotalSeconds} s apart");
            foreach (var earlier in starts.Take(i))
            {
                if (earlier.RetryAfter is { } wait && !credentialChanges.Any(c => c >= earlier.At && c <= after.At))
                {
                    var until = earlier.At + (wait < MaxRetryAfterHonoured ? wait : MaxRetryAfterHonoured);
                    Assert.True(after.At >= until, $"token request {i + 1} started before the end of a {wait.TotalSeconds} s Retry-After");
                }
            }
        }
    }

    private sealed record Step(Action Action, int Pick, Outcome Outcome, TimeSpan Advance)
    {
        public override string ToString() => $"+{Advance.TotalSeconds} s, the client answers {Outcome}, {Action}";
    }

    /// <summary>How the token client answers its next request.</summary>
    private sealed record Outcome(string Kind, int Seconds, HttpStatusCode Status, int? RetryAfter)
    {
        public static Outcome Token(int lifetime) => new("token", lifetime, HttpStatusCode.OK, null);

        public static Outcome Fail(HttpStatusCode status, int? retryAfter = null) => new("fail", 0, status, retryAfter);

        public static Outcome Hang() => new("hang", 0, 0, null);

        public static Outcome Null() => new("null", 0, 0, null);

        public override string ToString() => Kind switch
        {
            "token" => $"a token of {Seconds} s",
            "fail" => $"{(int)Status}{(RetryAfter is { } wait ? $" Retry-After {wait} s" : string.Empty)}",
            _ => Kind,
        };
    }

    /// <summary>Answers each request as told, at once, and records when it started and the Retry-After it sent.</summary>
    private sealed class ScriptedClient(TimeProvider clock) : IOrumTokenClient
    {
        private readonly object _gate = new();
        private readonly List<(DateTimeOffset At, TimeSpan? RetryAfter)> _starts = [];

        public Outcome Next { get; set; } = Outcome.Token(3600);

        public List<(DateTimeOffset At, TimeSpan? RetryAfter)> Starts
        {
            get
            {
                lock (_gate)
                {
                    return [.. _starts];
                }
            }
        }

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            var outcome = Next;
            lock (_gate)
            {
                _starts.Add((clock.GetUtcNow(), outcome.RetryAfter is { } wait ? TimeSpan.FromSeconds(wait) : null));
            }

            var retryAfter = outcome.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            return outcome.Kind switch
            {
                "token" => Task.FromResult(new OrumAccessToken($"token-{Guid.NewGuid():N}", "Bearer", TimeSpan.FromSeconds(outcome.Seconds), clock.GetUtcNow())),
                "fail" => Task.FromException<OrumAccessToken>(outcome.Status switch
                {
                    HttpStatusCode.BadRequest => new OrumBadRequestException("made-up 400", "bad_request", null, null, retryAfter),
                    HttpStatusCode.Unauthorized => new OrumUnauthorizedException("made-up 401", "unauthorized", null, null, retryAfter),
                    HttpStatusCode.TooManyRequests => new OrumRateLimitedException("made-up 429", "too_many_requests", null, null, retryAfter),
                    _ => new OrumServerException("made-up 5xx", outcome.Status, "server_error", null, null, retryAfter),
                }),
                "hang" => Hang(cancellationToken),
                _ => Task.FromResult<OrumAccessToken>(null!),
            };
        }

        // Never answers; ends only when the cache gives up on it.
        private static Task<OrumAccessToken> Hang(CancellationToken cancellationToken)
        {
            var never = new TaskCompletionSource<OrumAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() => never.TrySetCanceled(cancellationToken));
            return never.Task;
        }
    }
}
