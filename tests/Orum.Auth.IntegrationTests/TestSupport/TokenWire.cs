namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Sits inside the token client's resilience pipeline (one call per attempt) and tells the clock driver when an attempt
/// last touched the wire (was sent, or got its answer), on the sequence of the <see cref="WatchedClock"/>: a timer
/// armed after that is what the attempt waits on.
/// </summary>
public sealed class TokenWire(WatchedClock clock)
{
    private readonly WatchedClock _clock = clock;
    private int _inFlight;
    private int _attempts;
    private long _lastEvent;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gets how many attempts the pipeline sent.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Gets the clock's sequence number of the latest send or answer of an attempt.</summary>
    public long LastEvent => Volatile.Read(ref _lastEvent);

    public DelegatingHandler CreateHandler() => new Probe(this);

    private sealed class Probe(TokenWire wire) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref wire._attempts);
            Interlocked.Increment(ref wire._inFlight);
            Volatile.Write(ref wire._lastEvent, wire._clock.Mark());
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Volatile.Write(ref wire._lastEvent, wire._clock.Mark());
                Interlocked.Decrement(ref wire._inFlight);
            }
        }
    }
}
