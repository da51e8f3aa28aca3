using System.Collections.Concurrent;
using System.Net;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Sits between <see cref="OrumBearerTokenHandler"/> and the network on the Deliver client, so it sees exactly what
/// leaves: every request, its Authorization header and the status that came back. <see cref="InFlight"/> tells the clock
/// driver never to move time under a request that carries a token.
/// </summary>
public sealed class ApiWire(TimeProvider time)
{
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _sent;
    private int _withoutToken;
    private int _notOk;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gets how many requests left for the API.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Gets how many of them had no <c>Authorization: Bearer</c> token.</summary>
    public int WithoutToken => Volatile.Read(ref _withoutToken);

    /// <summary>Gets how many were answered with anything but 200 (a 401 for an expired token, say).</summary>
    public int NotOk => Volatile.Read(ref _notOk);

    /// <summary>Gets how many different tokens were sent.</summary>
    public int DistinctTokens => _firstSeen.Count;

    public DelegatingHandler CreateHandler() => new Probe(this);

    private sealed class Probe(ApiWire wire) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref wire._inFlight);
            try
            {
                Interlocked.Increment(ref wire._sent);
                if (request.Headers.Authorization is { Scheme: "Bearer", Parameter: { Length: > 0 } token })
                {
                    wire._firstSeen.TryAdd(token, wire._time.GetUtcNow());
                }
                else
                {
                    Interlocked.Increment(ref wire._withoutToken);
                }

                var response = await base.SendAsync(request, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref wire._notOk);
                }

                return response;
            }
            finally
            {
                Interlocked.Decrement(ref wire._inFlight);
            }
        }
    }
}
