using Microsoft.Extensions.Caching.Distributed;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// An <see cref="IDistributedCache"/> over another that can hold the answer of its next read, after it has been read, until
/// the test lets it go: the test can then change the store between a replica's read and what the replica does next.
/// </summary>
internal sealed class HoldingCache(IDistributedCache inner) : IDistributedCache
{
    private Held? _held;

    /// <summary>Holds the next read's answer; <see cref="Held.Reached"/> completes once it has been read.</summary>
    public Held HoldNextRead() => _held = new Held();

    public byte[]? Get(string key) => inner.Get(key);

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var value = await inner.GetAsync(key, token);
        if (Interlocked.Exchange(ref _held, null) is { } held)
        {
            held.Reached.TrySetResult();
            await held.Released.Task;
        }

        return value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        inner.SetAsync(key, value, options, token);

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    internal sealed class Held
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
