using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// An in-memory <see cref="IDistributedCache"/> without locks, shared by the replicas of a test, that can be made to fail
/// or hang. It keeps entries regardless of their expiry and records the expiry each write asked for.
/// </summary>
internal sealed class FakeStore : IDistributedCache
{
    private readonly ConcurrentDictionary<string, byte[]> _entries = new();
    private int _reads;
    private int _writes;
    private int _removes;

    public enum Behaviour
    {
        Works,
        Throws,
        Hangs,
    }

    public Behaviour Mode { get; set; } = Behaviour.Works;

    public int Reads => Volatile.Read(ref _reads);

    public int Writes => Volatile.Read(ref _writes);

    public int Removes => Volatile.Read(ref _removes);

    public IReadOnlyDictionary<string, byte[]> Entries => _entries;

    public ConcurrentQueue<DistributedCacheEntryOptions> WriteOptions { get; } = new();

    public byte[]? Get(string key) => throw new NotSupportedException("The library must use the async API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref _reads);
        await Misbehave();
        return _entries.TryGetValue(key, out var value) ? value : null;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException("The library must use the async API.");

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Interlocked.Increment(ref _writes);
        await Misbehave();
        WriteOptions.Enqueue(options);
        _entries[key] = value;
    }

    public void Refresh(string key) => throw new NotSupportedException();

    public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

    public void Remove(string key) => throw new NotSupportedException("The library must use the async API.");

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref _removes);
        await Misbehave();
        _entries.TryRemove(key, out _);
    }

    /// <summary>Whether an entry holds <paramref name="text"/> (a token value, say: entries are plain JSON without Data Protection).</summary>
    public bool Holds(string text) =>
        _entries.Values.Any(v => System.Text.Encoding.UTF8.GetString(v).Contains(text, StringComparison.Ordinal));

    private Task Misbehave() => Mode switch
    {
        Behaviour.Throws => Task.FromException(new InvalidOperationException("The made-up store is down.")),

        // Never completes and ignores cancellation, like a store stuck on a dead connection.
        Behaviour.Hangs => new TaskCompletionSource().Task,
        _ => Task.CompletedTask,
    };
}
