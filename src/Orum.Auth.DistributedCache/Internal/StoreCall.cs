using System.Globalization;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>One call to the store or the lock, bounded by <see cref="OrumDistributedTokenCacheOptions.StoreTimeout"/>.</summary>
internal static class StoreCall
{
    /// <summary>
    /// Runs <paramref name="operation"/> for at most <paramref name="timeout"/>, even if the store ignores cancellation.
    /// A timeout is a <see cref="TimeoutException"/>; the caller's cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    internal static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var clock = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clock.Token);
        var task = operation(linked.Token);
        try
        {
            return await task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.###} s"), ex);
        }
        finally
        {
            if (!task.IsCompleted)
            {
                // Abandoned: observe its eventual failure so it is never an unobserved task exception.
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Reports a failed call once per outage: a timeout by its message, anything else by its type and the exception.</summary>
    internal static void Report(this StoreHealth health, Exception error)
    {
        if (error is TimeoutException)
        {
            health.Failed(error.Message, exception: null);
        }
        else
        {
            health.Failed(error.GetType().Name, error);
        }
    }
}
