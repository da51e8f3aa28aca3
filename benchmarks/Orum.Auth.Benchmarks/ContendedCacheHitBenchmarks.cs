using BenchmarkDotNet.Attributes;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 2: cache hits from every core at once. Each invocation makes <see cref="Calls"/> hits split across
/// <see cref="Threads"/> dedicated threads, so the reported time per operation is the inverse of aggregate
/// throughput: one thread's time divided by N threads' time is the speed-up (at least 1.8x on two cores), 0 B.
/// </summary>
[MemoryDiagnoser]
public class ContendedCacheHitBenchmarks
{
    public const int Calls = 1 << 20;

    private Hammer _hammer = null!;
    private FloorCache _floor = null!;
    private TokenCache _tokenCache = null!;
    private SemaphoreSlimTokenCache _semaphore = null!;
    private int _callsPerThread;
    private Action _floorLoop = null!;
    private Action _tokenCacheLoop = null!;
    private Action _semaphoreLoop = null!;

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var time = TimeProvider.System;
        var client = new FixedTokenClient(time);
        var token = await client.RequestTokenAsync().ConfigureAwait(false);
        _floor = new FloorCache(time, token.Value, token.ExpiresAt);
        _tokenCache = new TokenCache(client, BenchmarkCredentials.Options(), time);
        _semaphore = new SemaphoreSlimTokenCache(client, time);
        _ = await _tokenCache.GetTokenAsync().ConfigureAwait(false);
        _ = await _semaphore.GetTokenAsync().ConfigureAwait(false);

        _hammer = new Hammer(Threads);
        _callsPerThread = Calls / Threads;
        _floorLoop = FloorLoop;
        _tokenCacheLoop = TokenCacheLoop;
        _semaphoreLoop = SemaphoreLoop;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hammer.Dispose();
        _tokenCache.Dispose();
        _semaphore.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "floor (field + clock compare)")]
    public void Floor() => _hammer.Run(_floorLoop);

    [Benchmark(OperationsPerInvoke = Calls, Description = "TokenCache.GetTokenAsync")]
    public void TokenCache() => _hammer.Run(_tokenCacheLoop);

    [Benchmark(OperationsPerInvoke = Calls, Description = "(a) SemaphoreSlim + expiry")]
    public void SemaphoreSlim() => _hammer.Run(_semaphoreLoop);

    private void FloorLoop()
    {
        var cache = _floor;
        for (var i = 0; i < _callsPerThread; i++)
        {
            Consume(cache.GetTokenAsync().Result());
        }
    }

    private void TokenCacheLoop()
    {
        var cache = _tokenCache;
        for (var i = 0; i < _callsPerThread; i++)
        {
            Consume(cache.GetTokenAsync().Result());
        }
    }

    private void SemaphoreLoop()
    {
        var cache = _semaphore;
        for (var i = 0; i < _callsPerThread; i++)
        {
            Consume(cache.GetTokenAsync().GetAwaiter().GetResult());
        }
    }

    // Keeps the JIT from dropping the call whose result is unused.
    private static void Consume(object value)
    {
        if (value is null)
        {
            throw new InvalidOperationException("A cache hit returned no token.");
        }
    }
}
