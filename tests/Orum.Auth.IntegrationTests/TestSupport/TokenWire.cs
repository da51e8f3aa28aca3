namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Sits inside the token client's resilience pipeline (one call per attempt) and tells the clock driver whether an
/// attempt is on the wire, and whether the emulator has already taken it (so a stall is waiting on the clock, not on a
/// socket).
/// </summary>
public sealed class TokenWire
{
    private readonly Func<int> _requestsTaken;
    private int _inFlight;
    private int _attempts;
    private int _takenBeforeLastSend;

    /// <param name="requestsTaken">How many token requests the emulator has taken so far.</param>
    public TokenWire(Func<int> requestsTaken) => _requestsTaken = requestsTaken;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gets how many attempts the pipeline sent.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Gets whether the emulator has taken a request since the last attempt was sent.</summary>
    public bool LastAttemptTaken => _requestsTaken() > Volatile.Read(ref _takenBeforeLastSend);

    public DelegatingHandler CreateHandler() => new Probe(this);

    private sealed class Probe(TokenWire wire) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Volatile.Write(ref wire._takenBeforeLastSend, wire._requestsTaken());
            Interlocked.Increment(ref wire._attempts);
            Interlocked.Increment(ref wire._inFlight);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref wire._inFlight);
            }
        }
    }
}
