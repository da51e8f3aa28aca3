using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// One token request for the fleet: the replica that takes the Redis lock requests (renewing the lock while it does) and
/// shares the outcome before it lets go; the others poll the store for that outcome. A waiter waits as long as the holder
/// renews, up to its own TokenRequestTimeout; a holder that stops renewing for WaitForOtherReplica is taken over by exactly
/// one waiter (compare-and-set on the value it last saw), and a released or expired lock is taken by the next poll.
/// </summary>
internal sealed class FleetLock(RedisTokenLock tokenLock, FleetLockContext context)
{
    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(250);

    /// <param name="lockKey">The credential's lock.</param>
    /// <param name="waitAtMost">The longest wait for a holder that keeps renewing: the credential's TokenRequestTimeout.</param>
    /// <param name="steps">Reads what the fleet shares (throwing a shared failure), requests and shares, or requests directly.</param>
    /// <param name="cancellationToken">The TokenCache's: ends the wait at its TokenRequestTimeout.</param>
    internal async Task<OrumAccessToken> RequestOnceAsync(string lockKey, TimeSpan waitAtMost, FleetSteps steps, CancellationToken cancellationToken)
    {
        var time = context.TimeProvider;
        var owner = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        var first = owner + ".0";
        var started = time.GetTimestamp();
        var delay = FirstPollDelay;
        string? holder = null;
        var heardFrom = started;
        var waiting = false;
        while (true)
        {
            var polledAt = time.GetTimestamp();
            var attempt = await CallAsync(_ => tokenLock.TryTakeAsync(lockKey, first, context.Options.LockTimeout), cancellationToken)
                .ConfigureAwait(false);
            if (attempt is null)
            {
                // No lock to be had: at most one request per replica, as with any store without locks.
                return await steps.RequestAndShareAsync(cancellationToken).ConfigureAwait(false);
            }

            if (attempt.Value.Taken)
            {
                return await HoldAsync(lockKey, owner, steps, cancellationToken).ConfigureAwait(false);
            }

            if (!string.Equals(attempt.Value.Holder, holder, StringComparison.Ordinal))
            {
                // A new holder, or a renewal: a sign of life, measured from when we asked.
                holder = attempt.Value.Holder;
                heardFrom = polledAt;
            }
            else if (holder is not null && time.GetElapsedTime(heardFrom, polledAt) >= context.Options.WaitForOtherReplica)
            {
                var seen = holder;
                var over = await CallAsync(_ => tokenLock.TakeOverAsync(lockKey, seen, first, context.Options.LockTimeout), cancellationToken)
                    .ConfigureAwait(false);
                if (over is null)
                {
                    return await steps.RequestAndShareAsync(cancellationToken).ConfigureAwait(false);
                }

                if (over.Value)
                {
                    Log.LockTakenOver(context.Logger, context.Credential, context.Options.WaitForOtherReplica);
                    return await HoldAsync(lockKey, owner, steps, cancellationToken).ConfigureAwait(false);
                }

                // Another waiter took it over first (or the holder renewed meanwhile): the next poll sees who holds it now.
            }

            if (!waiting)
            {
                waiting = true;
                Log.WaitingForOtherReplica(context.Logger, context.Credential, waitAtMost);
            }

            var left = waitAtMost - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(delay < left ? delay : left, time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < MaxPollDelay ? delay * 2 : MaxPollDelay;

            // The holder's token or failure, or (when it released the lock without either) our turn at the next attempt.
            var polled = await steps.ReadSharedAsync(cancellationToken).ConfigureAwait(false);
            if (polled.Token is not null)
            {
                return polled.Token;
            }

            if (!polled.StoreAnswered)
            {
                return await steps.RequestDirectlyAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // The holder is alive and still requesting: a request of our own would be the second the fleet sends.
        cancellationToken.ThrowIfCancellationRequested();
        Log.OtherReplicaTooSlow(context.Logger, context.Credential, waitAtMost);
        throw new OrumNetworkException(
            $"The Orum token request did not complete within {waitAtMost.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s " +
            "(OrumAuthOptions.TokenRequestTimeout): another replica holds the lock and is still requesting. The request will be tried again later.",
            isTimeout: true);
    }

    private async Task<OrumAccessToken> HoldAsync(string lockKey, string owner, FleetSteps steps, CancellationToken cancellationToken)
    {
        var renewal = LockRenewal.Start(tokenLock, lockKey, owner, context);
        try
        {
            // Another replica may have shared a token, or a failure, between our read and our lock.
            var again = await steps.ReadSharedAsync(cancellationToken).ConfigureAwait(false);
            return again.Token ?? await steps.RequestAndShareAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The outcome is shared before the lock is let go, so no waiter that takes it next asks Orum again.
            renewal.Dispose();
            await ReleaseAsync(lockKey, owner).ConfigureAwait(false);
        }
    }

    /// <summary>One lock call, bounded by the store timeout; <see langword="null"/> when Redis failed or timed out.</summary>
    private async Task<T?> CallAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        where T : struct
    {
        try
        {
            var result = await StoreCall.RunAsync(operation, context.Options.StoreTimeout, context.TimeProvider, cancellationToken)
                .ConfigureAwait(false);
            context.LockHealth.Succeeded();
            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            context.LockHealth.Report(ex);
            return null;
        }
    }

    private async Task ReleaseAsync(string lockKey, string owner)
    {
        try
        {
            // Not the caller's token: a lock left behind would make the fleet wait for it to be taken over or to expire.
            var options = context.Options;
            await StoreCall.RunAsync(_ => tokenLock.ReleaseAsync(lockKey, owner), options.StoreTimeout, context.TimeProvider, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // It expires on its own after LockTimeout.
            context.LockHealth.Report(ex);
        }
    }
}

/// <summary>What the lock protocol shares with the rest of the distributed token client.</summary>
internal sealed record FleetLockContext(
    OrumDistributedTokenCacheOptions Options,
    TimeProvider TimeProvider,
    ILogger Logger,
    string Credential,
    StoreHealth LockHealth);

/// <summary>The steps of one token request that the lock protocol orders; <see cref="ReadSharedAsync"/> throws a shared failure.</summary>
internal sealed record FleetSteps(
    Func<CancellationToken, Task<SharedRead>> ReadSharedAsync,
    Func<CancellationToken, Task<OrumAccessToken>> RequestAndShareAsync,
    Func<CancellationToken, Task<OrumAccessToken>> RequestDirectlyAsync);

/// <summary>A usable shared token, or none; <see cref="StoreAnswered"/> is false when the store failed or timed out.</summary>
internal readonly record struct SharedRead(OrumAccessToken? Token, bool StoreAnswered);
