using System.Collections.Concurrent;
using System.Net;
using CsCheck;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>
/// The fleet's bound as a property: three replicas share one store and one clock, and a generated sequence of steps moves
/// the clock, picks what Orum's token endpoint answers (tokens of 0 s, 1 s and 1 h; 400, 401, 429 and 5xx with and
/// without Retry-After; timeouts), gets tokens on a replica and invalidates current and old tokens. After every step:
/// no token request started sooner than a Retry-After Orum sent, every caller got a token or an OrumAuthException, no
/// token was handed out expired (or inside its expiry margin) unless Orum had just issued it, and an invalidated token is
/// treated as revoked at Orum: the replica that invalidated it never hands it out again, and no replica's cache is given it
/// by a request that started after the invalidation.
/// </summary>
/// <remarks>
/// Steps run one at a time and the fleet comes to rest after each (<see cref="Fleet.SettleAsync"/>), background refreshes
/// included, so a store without a lock (FakeStore) is held to the same bound as Redis. Orum is played faithfully: a replica
/// that hands out a revoked token gets a 401 for it, invalidates it and tries once more, as the bearer handler does.
/// </remarks>
public sealed class FleetPropertyTests
{
    private const int Replicas = 3;

    // The long variant (ORUM_LONG_TESTS=1) generates 20 times as many sequences.
    private static readonly bool Long = Environment.GetEnvironmentVariable("ORUM_LONG_TESTS") == "1";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The in-process cache's floor between two token requests of one credential.</summary>
    private static readonly TimeSpan RequestFloor = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan[] Advances =
    [
        TimeSpan.Zero, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(61), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(55),
        TimeSpan.FromHours(1),
    ];

    private static readonly Answer[] Outcomes =
    [
        Answer.Token(3600), Answer.Token(3600), Answer.Token(3600), Answer.Token(1), Answer.Token(0),
        Answer.Error(HttpStatusCode.BadRequest), Answer.Error(HttpStatusCode.BadRequest, TimeSpan.FromSeconds(30)),
        Answer.Error(HttpStatusCode.Unauthorized), Answer.Error(HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(60)),
        Answer.RateLimited(), Answer.RateLimited(TimeSpan.FromSeconds(2)), Answer.RateLimited(TimeSpan.FromSeconds(30)),
        Answer.RateLimited(TimeSpan.FromSeconds(60)), Answer.RateLimited(TimeSpan.FromSeconds(120)),
        Answer.Error(HttpStatusCode.InternalServerError), Answer.Error(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5)),
        Answer.Error(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(90)), Answer.Timeout(),
    ];

    private static readonly Gen<Step> OneStep = Gen.Select(
        Gen.Int[0, Replicas - 1],
        Gen.Int[0, 9].Select(i => i < 6 ? Action.Get : i < 9 ? Action.InvalidateCurrent : Action.InvalidateOld),
        Gen.Int[0, 1000],
        Gen.Int[0, Outcomes.Length - 1].Select(i => Outcomes[i]),
        Gen.Int[0, Advances.Length - 1].Select(i => Advances[i]),
        (replica, action, pick, outcome, advance) => new Step(replica, action, pick, outcome, advance));

    private static readonly Gen<Step[]> Sequences = OneStep.Array[5, 40];

    private enum Action
    {
        Get,
        InvalidateCurrent,
        InvalidateOld,
    }

    [Fact]
    public async Task GetTokenAsync_ThreeReplicasOnOneStoreWithoutLock_KeepTheFleetBound()
    {
        var seen = new ConcurrentDictionary<string, int>();
        await Sequences.SampleAsync(
            steps => RunAsync(steps, redis: null, seen),
            iter: Long ? 4000 : 200,
            seed: "0N0XIzNsQ0O2",
            print: Print);

        AssertEverythingHappened(seen);
    }

    [RedisFact]
    public async Task GetTokenAsync_ThreeReplicasOnRedisWithTheLock_KeepTheFleetBound()
    {
        await using var redis = await RedisServer.StartAsync();
        var seen = new ConcurrentDictionary<string, int>();
        await Sequences.SampleAsync(
            steps => RunAsync(steps, redis, seen),
            iter: Long ? 1000 : 50,
            threads: 1,
            seed: "0N0XIzNsQ0O2",
            print: Print);

        AssertEverythingHappened(seen);
    }

    /// <summary>The sequences reached what the checks are about: none of them passes for want of a case.</summary>
    private static void AssertEverythingHappened(ConcurrentDictionary<string, int> seen)
    {
        string[] expected =
        [
            "token handed out", "call failed", "Retry-After sent", "failure shared", "shared failure honoured",
            "revoked token handed out", "rejected token removed from the store", "newer token kept in the store",
        ];
        Assert.All(expected, e => Assert.True(seen.GetValueOrDefault(e) > 0, $"no sequence had: {e} ({string.Join(", ", seen)})"));
    }

    private static string Print(Step[] steps) => string.Join(Environment.NewLine, steps.Select((s, i) => $"{i}: {s}"));

    private static async Task RunAsync(Step[] steps, RedisServer? redis, ConcurrentDictionary<string, int> seen)
    {
        var time = new WatchedClock(Start);
        var endpoint = new TokenEndpoint { Clock = time };
        var prefix = $"orum-auth-{Guid.NewGuid():N}:";
        var fake = new FakeStore();
        Action<IServiceCollection> addStore = redis is null
            ? s => s.AddSingleton<IDistributedCache>(fake)
            : RedisReplicas.Store(redis, protection: null);

        await using var fleet = Fleet.Create(Replicas, endpoint, addStore, o =>
        {
            o.AllowUnencryptedStorage = true;
            o.KeyPrefix = prefix;
            o.RedisConfiguration = redis?.Configuration;

            // Time moves only between steps, when the fleet is at rest: no store call can time out on the fake clock.
            o.StoreTimeout = TimeSpan.FromMinutes(10);
        }, time);
        var model = new Model(fleet, endpoint, time, seen);
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            time.Advance(step.Advance);
            endpoint.Next = step.Outcome;
            fleet.Step = i;
            var member = fleet.Members[step.Replica];
            switch (step.Action)
            {
                case Action.Get:
                    await model.GetAsync(member);
                    break;
                case Action.InvalidateCurrent when member.Last is { } current:
                    model.Revoke(member, current);
                    break;
                case Action.InvalidateOld when model.Issued.Count > 0:
                    model.Revoke(member, model.Issued[step.Pick % model.Issued.Count]);
                    break;
            }

            await fleet.SettleAsync();
            model.EndStep(i);
        }

        void Count(string what, int n) => seen.AddOrUpdate(what, n, (_, total) => total + n);
        var events = fleet.Members.SelectMany(m => m.Logs.Events).ToList();
        Count("Retry-After sent", endpoint.Answers.Count(a => a.Answer.RetryAfter is not null));
        Count("failure shared", events.Count(e => e.EventId == LogSink.SharedFailureStored));
        Count("shared failure honoured", events.Count(e => e.EventId == LogSink.SharedFailureUsed));
        int Forgotten(string outcome) =>
            events.Count(e => e.EventId == LogSink.RejectedTokenForgotten && e.Message.Contains(outcome, StringComparison.Ordinal));
        Count("rejected token removed from the store", Forgotten("removed it"));
        Count("newer token kept in the store", Forgotten("newer"));
    }

    private sealed record Step(int Replica, Action Action, int Pick, Answer Outcome, TimeSpan Advance)
    {
        public override string ToString() =>
            $"+{Advance.TotalSeconds} s, Orum answers {Outcome}, replica {Replica}: {Action}{(Action == Action.InvalidateOld ? $" #{Pick}" : "")}";
    }

    /// <summary>What Orum issued and revoked, and the checks of every token handed out and every request sent.</summary>
    private sealed class Model(Fleet fleet, TokenEndpoint endpoint, WatchedClock time, ConcurrentDictionary<string, int> seen)
    {
        private readonly Dictionary<string, int> _issuedIn = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _revokedIn = new(StringComparer.Ordinal);
        private int _checkedAnswers;

        public List<OrumAccessToken> Issued { get; } = [];

        /// <summary>Orum revokes <paramref name="token"/> and <paramref name="member"/>'s handler reports it, as after a 401.</summary>
        public void Revoke(Fleet.Member member, OrumAccessToken token)
        {
            _revokedIn.TryAdd(token.Value, fleet.Step);
            member.Invalidated.Add(token.Value);
            member.Tokens.Invalidate(token);
        }

        /// <summary>A call through the bearer handler: a token, and once more after a 401 for a revoked one.</summary>
        public async Task GetAsync(Fleet.Member member)
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                OrumAccessToken token;
                try
                {
                    // A request may wait for the cache's floor between two token requests (1 s): the clock moves on, in
                    // quarter seconds, only while nothing but such a short wait is armed (no store call in flight).
                    var call = member.Tokens.GetTokenAsync().AsTask();
                    await time.AdvanceUntilDoneAsync(
                        [call],
                        _ => time.Armed(d => d > RequestFloor) == 0 && time.Armed(d => d <= RequestFloor) > 0,
                        TimeSpan.FromSeconds(0.25),
                        TimeSpan.FromSeconds(30));
                    token = await call.WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (OrumAuthException)
                {
                    seen.AddOrUpdate("call failed", 1, (_, n) => n + 1);
                    return;
                }

                Check(member, token);
                seen.AddOrUpdate(_revokedIn.ContainsKey(token.Value) ? "revoked token handed out" : "token handed out", 1, (_, n) => n + 1);
                member.Last = token;
                if (!_revokedIn.ContainsKey(token.Value))
                {
                    return;
                }

                if (attempt == 0)
                {
                    // Orum answers 401: the handler drops exactly that token and replays once.
                    member.Invalidated.Add(token.Value);
                    member.Tokens.Invalidate(token);
                }
            }
        }

        /// <summary>Every request of the step honoured every Retry-After Orum sent before it.</summary>
        public void EndStep(int step)
        {
            var answers = endpoint.Answers.ToArray();
            for (var i = _checkedAnswers; i < answers.Length; i++)
            {
                if (answers[i].Token is { } value && !_issuedIn.ContainsKey(value))
                {
                    _issuedIn[value] = step;
                }

                for (var j = 0; j < i; j++)
                {
                    if (answers[j].Answer.RetryAfter is { } wait)
                    {
                        Assert.True(
                            answers[i].Arrived >= answers[j].Answered + wait,
                            $"request {answers[i].N} at {answers[i].Arrived:HH:mm:ss.fff} came before the end of the {wait.TotalSeconds} s " +
                            $"Retry-After sent at {answers[j].Answered:HH:mm:ss.fff}");
                    }
                }
            }

            _checkedAnswers = answers.Length;
        }

        private void Check(Fleet.Member member, OrumAccessToken token)
        {
            var now = time.GetUtcNow();
            Assert.True(endpoint.Answers.Any(a => a.Token == token.Value), $"{member} handed out a token Orum never issued");
            if (!Issued.Any(t => t.Value == token.Value))
            {
                Issued.Add(token);
            }

            if (_issuedIn.TryGetValue(token.Value, out var step) && step < fleet.Step)
            {
                // Issued in an earlier step: it comes from a cache, and must still be usable.
                var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(60).Ticks, token.ExpiresIn.Ticks / 10));
                Assert.True(
                    token.ExpiresAt - now > margin,
                    $"{member} handed out a token that expires at {token.ExpiresAt:HH:mm:ss.fff}, at {now:HH:mm:ss.fff}");
            }

            Assert.False(member.Invalidated.Contains(token.Value), $"{member} handed out again a token it had invalidated");
            if (_revokedIn.TryGetValue(token.Value, out var revokedIn))
            {
                // A replica may still hold a revoked token it got before the revocation (it then gets one 401 for it),
                // never one it was given by a request that started after.
                var fetched = member.Client.Fetched.Where(f => f.Token == token.Value).Select(f => f.Step).DefaultIfEmpty(int.MaxValue).Min();
                Assert.True(fetched < revokedIn, $"{member} was given a token revoked in step {revokedIn} by a request of step {fetched}");
            }
        }
    }
}
