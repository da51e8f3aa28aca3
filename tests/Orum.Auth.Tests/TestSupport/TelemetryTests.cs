namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// Tests that listen to every ActivitySource and Meter in the process run alone, so that they see only their own spans.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryTests
{
    public const string Name = "Telemetry";
}
