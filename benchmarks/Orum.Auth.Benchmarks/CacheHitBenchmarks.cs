using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 1: a cache hit on a fresh token costs 0 B, at most 1.15x the floor, and less than a hand-written
/// SemaphoreSlim cache, IMemoryCache and HybridCache. Every cache reads <see cref="TimeProvider.System"/>.
/// IMemoryCache and HybridCache hold the token string, their cheapest case (HybridCache copies anything it does not
/// know to be immutable on every hit).
/// </summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    // HybridCache keeps its entries in the registered IMemoryCache, so the two need their own keys.
    private const string MemoryCacheKey = "orum-token";
    private const string HybridCacheKey = "orum-token-hybrid";

    private static readonly HybridCacheEntryOptions HybridEntry = new() { Expiration = TimeSpan.FromMinutes(55), LocalCacheExpiration = TimeSpan.FromMinutes(55) };

    private FloorCache _floor = null!;
    private TokenCache _tokenCache = null!;
    private SemaphoreSlimTokenCache _semaphore = null!;
    private IMemoryCache _memoryCache = null!;
    private HybridCache _hybridCache = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var time = TimeProvider.System;
        var client = new FixedTokenClient(time);
        var token = await client.RequestTokenAsync().ConfigureAwait(false);
        _floor = new FloorCache(time, token.Value, token.ExpiresAt);

        _tokenCache = new TokenCache(client, BenchmarkCredentials.Options(), time);
        _semaphore = new SemaphoreSlimTokenCache(client, time);
        _services = new ServiceCollection().AddMemoryCache().AddHybridCache().Services.BuildServiceProvider();
        _memoryCache = _services.GetRequiredService<IMemoryCache>();
        _hybridCache = _services.GetRequiredService<HybridCache>();

        // Fill every cache, so each benchmark below measures a hit.
        _ = await _tokenCache.GetTokenAsync().ConfigureAwait(false);
        _ = await _semaphore.GetTokenAsync().ConfigureAwait(false);
        _ = await MemoryCacheAsync().ConfigureAwait(false);
        _ = await HybridCacheAsync().ConfigureAwait(false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tokenCache.Dispose();
        _semaphore.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "floor (field + clock compare)")]
    public string Floor() => _floor.GetTokenAsync().Result();

    [Benchmark(Description = "TokenCache.GetTokenAsync")]
    public OrumAccessToken TokenCache() => _tokenCache.GetTokenAsync().Result();

    [Benchmark(Description = "(a) SemaphoreSlim + expiry")]
    public OrumAccessToken SemaphoreSlim() => _semaphore.GetTokenAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "(b) IMemoryCache.GetOrCreateAsync")]
    public string? MemoryCache() => MemoryCacheAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "(c) HybridCache.GetOrCreateAsync")]
    public string HybridCache() => HybridCacheAsync().Result();

    private Task<string?> MemoryCacheAsync() => _memoryCache.GetOrCreateAsync(MemoryCacheKey, static entry =>
    {
        entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(55);
        return Task.FromResult<string?>(BenchmarkCredentials.TokenValue);
    });

    private ValueTask<string> HybridCacheAsync() => _hybridCache.GetOrCreateAsync(
        HybridCacheKey,
        static _ => new ValueTask<string>(BenchmarkCredentials.TokenValue),
        HybridEntry);
}
