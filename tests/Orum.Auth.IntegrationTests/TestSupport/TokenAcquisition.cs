namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// One token acquisition (one <c>RequestTokenAsync</c>, retries included) as its <c>Orum.Auth.RequestToken</c> activity
/// reports it, with the shared clock's time at its start and end and the emulator's token request count at both.
/// </summary>
public sealed record TokenAcquisition(
    DateTimeOffset Start,
    DateTimeOffset End,
    string Outcome,
    string ErrorCode,
    int Attempts,
    int RequestsBefore,
    int RequestsAfter)
{
    public bool Succeeded => Outcome == "success";

    /// <summary>Gets how many token requests reached the emulator during the acquisition (0: the circuit breaker refused it).</summary>
    public int Requests => RequestsAfter - RequestsBefore;
}
