using System.Globalization;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Keeps the fleet lock while its holder's token request is in flight, however long Orum takes (up to the request's own
/// timeout): every third of the shorter of <see cref="OrumDistributedTokenCacheOptions.LockTimeout"/> and
/// <see cref="OrumDistributedTokenCacheOptions.WaitForOtherReplica"/>, an owner-checked renewal that sets the expiry again and
/// writes a new value, which the waiting replicas take as a sign of life. A lock that is no longer ours is left alone.
/// </summary>
internal sealed class LockRenewal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private LockRenewal()
    {
    }

    /// <summary>How often a holder renews: three renewals fit in the time a waiter gives a silent holder, and in the lock's expiry.</summary>
    internal static TimeSpan IntervalFor(OrumDistributedTokenCacheOptions options) =>
        (options.LockTimeout < options.WaitForOtherReplica ? options.LockTimeout : options.WaitForOtherReplica) / 3;

    internal static LockRenewal Start(RedisTokenLock tokenLock, string lockKey, string owner, FleetLockContext context)
    {
        var renewal = new LockRenewal();
        _ = renewal.RunAsync(tokenLock, lockKey, owner, context);
        return renewal;
    }

    /// <summary>
    /// Stops renewing. A renewal already sent may still land: it reaches Redis before the release that follows it on the
    /// same connection, and a renewal of a lock already released finds nothing of ours to renew.
    /// </summary>
    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task RunAsync(RedisTokenLock tokenLock, string lockKey, string owner, FleetLockContext context)
    {
        var options = context.Options;
        var interval = IntervalFor(options);
        var stop = _stop.Token;
        try
        {
            for (var n = 1; ; n++)
            {
                await Task.Delay(interval, context.TimeProvider, stop).ConfigureAwait(false);
                var next = owner + "." + n.ToString(CultureInfo.InvariantCulture);
                bool renewed;
                try
                {
                    renewed = await StoreCall.RunAsync(
                        _ => tokenLock.RenewAsync(lockKey, owner, next, options.LockTimeout),
                        options.StoreTimeout,
                        context.TimeProvider,
                        CancellationToken.None).ConfigureAwait(false);
                    context.LockHealth.Succeeded();
                }
                catch (Exception ex)
                {
                    // Tried again at the next interval; the lock lasts LockTimeout from the last renewal that landed.
                    context.LockHealth.Report(ex);
                    continue;
                }

                if (!renewed)
                {
                    Log.LockLost(context.Logger, context.Credential);
                    return;
                }

                Log.LockRenewed(context.Logger, context.Credential, options.LockTimeout);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The holder's request is over.
        }
    }
}
