using BenchmarkDotNet.Attributes;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 5: 10,000 concurrent first calls on an empty cache, against a token endpoint that takes 50 ms, all complete
/// within 1.5x the time of one caller's first call, with one token request (checked after every iteration).
/// </summary>
[MemoryDiagnoser]
public class ColdStartBenchmarks
{
    public const int Callers = 10_000;

    private static readonly TimeSpan EndpointDelay = TimeSpan.FromMilliseconds(50);

    private readonly Task<OrumAccessToken>[] _calls = new Task<OrumAccessToken>[Callers];
    private FixedTokenClient _client = null!;
    private TokenCache _cache = null!;

    [IterationSetup]
    public void EmptyCache()
    {
        _client = new FixedTokenClient(TimeProvider.System, EndpointDelay);
        _cache = new TokenCache(_client, BenchmarkCredentials.Options());
    }

    [IterationCleanup]
    public void CheckOneRequest()
    {
        _cache.Dispose();
        if (_client.Requests != 1)
        {
            throw new InvalidOperationException($"The cold start made {_client.Requests} token requests, not 1.");
        }
    }

    [Benchmark(Baseline = true, Description = "1 caller")]
    public async Task<OrumAccessToken> OneCaller() => await _cache.GetTokenAsync().ConfigureAwait(false);

    [Benchmark(Description = "10,000 concurrent callers")]
    public async Task<OrumAccessToken[]> TenThousandCallers()
    {
        var cache = _cache;
        var calls = _calls;
        Parallel.For(0, Callers, i => calls[i] = cache.GetTokenAsync().AsTask());
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }
}
