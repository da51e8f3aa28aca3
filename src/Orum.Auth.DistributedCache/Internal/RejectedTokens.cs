namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// The tokens Orum rejected lately (401), as this replica's TokenCache reported them: a store read that returns one is a
/// miss, and each is removed from the store in the background, only while the store still holds it, so a newer token
/// that another replica shared in the meantime stays.
/// </summary>
/// <remarks>
/// With the Redis lock's connection the removal is one atomic compare-and-delete of the exact bytes read. Through a plain
/// <c>IDistributedCache</c> it can only be read, compare, remove: a token another replica writes between that read and the
/// remove is lost from the store (the replicas that hold it keep using it; the next one that needs a token requests one).
/// </remarks>
internal sealed class RejectedTokens(SharedTokenStore store, RedisTokenLock? tokenLock, FleetLockContext context)
{
    // A few: 50 requests failing with the same token report it 50 times, and a replica rarely has more than two in play.
    private const int Remembered = 16;

    private readonly object _gate = new();
    private readonly string?[] _values = new string?[Remembered];
    private int _next;
    private Task _forgetting = Task.CompletedTask;

    internal bool Contains(string value)
    {
        lock (_gate)
        {
            return Array.IndexOf(_values, value) >= 0;
        }
    }

    /// <summary>Remembers <paramref name="rejected"/> and starts its removal from <paramref name="key"/>; returns at once.</summary>
    internal void Report(OrumAccessToken rejected, string key)
    {
        lock (_gate)
        {
            if (Array.IndexOf(_values, rejected.Value) < 0)
            {
                _values[_next] = rejected.Value;
                _next = (_next + 1) % Remembered;
                var forget = Task.Run(() => ForgetAsync(key, rejected.Value));
                _forgetting = _forgetting.IsCompleted ? forget : Task.WhenAll(_forgetting, forget);
                return;
            }
        }

        Log.RejectedTokenForgotten(context.Logger, context.Credential, "it was already reported");
    }

    /// <summary>
    /// Waits for the removals under way, so that this replica's replacement request never races its own removal; at most
    /// for the store timeout, as a slow store must not hold the replacement back for long.
    /// </summary>
    internal Task WhenForgottenAsync(CancellationToken cancellationToken)
    {
        Task pending;
        lock (_gate)
        {
            pending = _forgetting;
        }

        return pending.IsCompleted ? Task.CompletedTask : WaitAsync(pending, cancellationToken);
    }

    private async Task WaitAsync(Task pending, CancellationToken cancellationToken)
    {
        try
        {
            await pending.WaitAsync(context.Options.StoreTimeout, context.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The store is slow: the replacement's own read will tell.
        }
    }

    private async Task ForgetAsync(string key, string value)
    {
        string outcome;
        try
        {
            outcome = await RemoveIfHeldAsync(key, value).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never an unobserved exception, whatever the store does; it expires there on its own.
            context.LockHealth.Report(ex);
            outcome = "the shared store failed, and it expires there on its own";
        }

        Log.RejectedTokenForgotten(context.Logger, context.Credential, outcome);
    }

    private async Task<string> RemoveIfHeldAsync(string key, string value)
    {
        const string Failed = "the shared store failed, and it expires there on its own";
        const string Newer = "the shared store already holds a newer token";
        const string Absent = "it was not in the shared store";
        const string Removed = "removed it from the shared store";
        if (await store.ReadEntryAsync(key, CancellationToken.None).ConfigureAwait(false) is not { } read)
        {
            return Failed;
        }

        if (read.Stored is null)
        {
            return Absent;
        }

        if (!string.Equals(read.Token?.Value, value, StringComparison.Ordinal))
        {
            return Newer;
        }

        if (tokenLock is not null)
        {
            long deleted;
            try
            {
                var stored = read.Stored;
                deleted = await StoreCall.RunAsync(
                    _ => tokenLock.CompareAndDeleteAsync(key, stored),
                    context.Options.StoreTimeout,
                    context.TimeProvider,
                    CancellationToken.None).ConfigureAwait(false);
                context.LockHealth.Succeeded();
            }
            catch (Exception ex)
            {
                context.LockHealth.Report(ex);
                deleted = -1;
            }

            if (deleted >= 0)
            {
                return deleted == 1 ? Removed : Newer;
            }

            // Not in the lock's Redis (the cache is another store, or prefixes its keys): through the cache, as below.
            if (await store.ReadEntryAsync(key, CancellationToken.None).ConfigureAwait(false) is not { } again)
            {
                return Failed;
            }

            if (again.Stored is null)
            {
                return Absent;
            }

            if (!again.Stored.AsSpan().SequenceEqual(read.Stored))
            {
                return Newer;
            }
        }

        // Read, compare, remove: the best a plain IDistributedCache allows (see the remarks).
        return await store.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false) ? Removed : Failed;
    }
}
