using System.Collections.Concurrent;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Collects <see cref="TaskScheduler.UnobservedTaskException"/> events raised while it is alive. Garbage from earlier
/// tests is collected before it subscribes, so what it sees belongs to the test that created it.
/// </summary>
public sealed class UnobservedTaskExceptions : IDisposable
{
    private readonly ConcurrentQueue<Exception> _seen = new();

    public UnobservedTaskExceptions()
    {
        CollectGarbage();
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    /// <summary>Forces the finalizers that raise the event, then returns everything seen so far.</summary>
    public IReadOnlyList<Exception> Collect()
    {
        CollectGarbage();
        return [.. _seen];
    }

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    private static void CollectGarbage()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        foreach (var inner in e.Exception.Flatten().InnerExceptions)
        {
            _seen.Enqueue(inner);
        }
    }
}
