using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// The emulator's fault source in the chaos and outage tests: healthy, down with one fault, or a seeded random mix. It
/// records what every token request got and when, on the shared clock. The cache keeps one token request in flight, so
/// requests reach it one at a time and a seed gives the same sequence of faults in every run.
/// </summary>
public sealed class TokenFaultPlan
{
    public static readonly TimeSpan StallTime = TimeSpan.FromSeconds(5);

    private static readonly TokenFault[] FaultKinds =
    [
        TokenFault.RateLimited, TokenFault.ServerError, TokenFault.ServiceUnavailable,
        TokenFault.DropConnection, TokenFault.Stall, TokenFault.TruncatedBody,
    ];

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly List<ServedFault> _served = [];
    private Func<(TokenFault Kind, TimeSpan? RetryAfter)> _next = static () => (TokenFault.None, null);

    public TokenFaultPlan(TimeProvider time) => _time = time;

    /// <summary>Gets how many token requests have asked for their fault.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _served.Count;
            }
        }
    }

    /// <summary>Gets the last request's fault, or null before the first request.</summary>
    public ServedFault? Last
    {
        get
        {
            lock (_gate)
            {
                return _served.Count == 0 ? null : _served[^1];
            }
        }
    }

    public IReadOnlyList<ServedFault> Served
    {
        get
        {
            lock (_gate)
            {
                return [.. _served];
            }
        }
    }

    /// <summary>Every request from now on is answered normally.</summary>
    public void Healthy() => Set(static () => (TokenFault.None, null));

    /// <summary>Every request from now on gets <paramref name="kind"/>: the endpoint is down.</summary>
    public void Down(TokenFault kind, TimeSpan? retryAfter = null) => Set(() => (kind, retryAfter));

    /// <summary>
    /// Each request from now on fails with probability <paramref name="faultRate"/>, the fault chosen evenly among the six
    /// kinds; a 429's <c>Retry-After</c> is <paramref name="shortRetryAfter"/> or <paramref name="longRetryAfter"/>, evenly.
    /// The n-th request gets the n-th element of <see cref="Sequence"/> with the same arguments.
    /// </summary>
    public void Mix(int seed, double faultRate, TimeSpan shortRetryAfter, TimeSpan longRetryAfter)
    {
        var plan = Sequence(seed, faultRate, shortRetryAfter, longRetryAfter).GetEnumerator();
        Set(() =>
        {
            plan.MoveNext();
            return plan.Current;
        });
    }

    /// <summary>The endless sequence of faults <see cref="Mix"/> serves, one per token request in arrival order.</summary>
    public static IEnumerable<(TokenFault Kind, TimeSpan? RetryAfter)> Sequence(int seed, double faultRate, TimeSpan shortRetryAfter, TimeSpan longRetryAfter)
    {
        var random = new Random(seed);
        while (true)
        {
            if (random.NextDouble() >= faultRate)
            {
                yield return (TokenFault.None, null);
                continue;
            }

            var kind = FaultKinds[random.Next(FaultKinds.Length)];
            yield return kind == TokenFault.RateLimited
                ? (kind, random.Next(2) == 0 ? shortRetryAfter : longRetryAfter)
                : (kind, null);
        }
    }

    /// <summary>The emulator's fault source (<see cref="OrumSandboxServer.SetFaultSource"/>).</summary>
    public OrumSandboxFault? Next()
    {
        lock (_gate)
        {
            var (kind, retryAfter) = _next();
            _served.Add(new ServedFault(_served.Count + 1, _time.GetUtcNow(), kind, retryAfter));
            return kind switch
            {
                TokenFault.None => null,
                TokenFault.RateLimited => OrumSandboxFault.RateLimited(retryAfter ?? TimeSpan.FromSeconds(1)),
                TokenFault.ServerError => OrumSandboxFault.Status(500, "internal_server_error", "Internal Server Error"),
                TokenFault.ServiceUnavailable => OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable"),
                TokenFault.DropConnection => OrumSandboxFault.DropConnection(),
                TokenFault.Stall => OrumSandboxFault.Delay(StallTime),
                TokenFault.TruncatedBody => OrumSandboxFault.TruncatedBody(),
                _ => throw new InvalidOperationException($"Unknown fault {kind}."),
            };
        }
    }

    private void Set(Func<(TokenFault Kind, TimeSpan? RetryAfter)> next)
    {
        lock (_gate)
        {
            _next = next;
        }
    }
}
