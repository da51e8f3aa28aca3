namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>One token request as the emulator saw it: its number (1-based), when it arrived on the shared clock, and what it got.</summary>
public sealed record ServedFault(int Number, DateTimeOffset At, TokenFault Kind, TimeSpan? RetryAfter);
