namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>One tick of the workers: when it began on the shared clock, and each worker's outcome (null: success).</summary>
public sealed record CallTick(DateTimeOffset At, IReadOnlyList<Exception?> Outcomes);
