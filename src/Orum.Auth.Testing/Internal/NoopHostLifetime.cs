using Microsoft.Extensions.Hosting;

namespace Orum.Auth.Testing.Internal;

/// <summary>
/// Replaces the console lifetime: the sandbox lives inside someone else's process (a test run, a sample) and must not
/// react to Ctrl+C or SIGTERM on its own; its owner disposes it.
/// </summary>
internal sealed class NoopHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
