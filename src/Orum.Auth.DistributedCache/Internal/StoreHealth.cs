using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Whether one part of the shared store (the cache or the lock) is failing, so an outage is logged once when it starts
/// and once when it ends, however many token requests fall back to Orum in between.
/// </summary>
internal sealed class StoreHealth(ILogger logger, string component, string credential)
{
    private int _failing;

    internal void Failed(string reason, Exception? exception)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            Log.StoreFailed(logger, component, credential, reason, exception);
        }
    }

    internal void Succeeded()
    {
        if (Volatile.Read(ref _failing) == 1 && Interlocked.Exchange(ref _failing, 0) == 1)
        {
            Log.StoreRecovered(logger, component, credential);
        }
    }
}
