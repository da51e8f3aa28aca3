namespace Orum.Auth.IntegrationTests.Reliability;

/// <summary>
/// The chaos and outage tests run alone: they listen to the process-wide <c>Orum.Auth</c> activity source and to
/// <see cref="TaskScheduler.UnobservedTaskException"/>, and they are the longest tests in the suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAlone
{
    public const string Name = "Reliability (alone)";
}
