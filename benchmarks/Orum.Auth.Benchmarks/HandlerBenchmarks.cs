using BenchmarkDotNet.Attributes;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 3: one request through <see cref="OrumBearerTokenHandler"/> (cache hit, host check, headers, 401 check)
/// costs at most 1.10x, and no more bytes than, a handler that sets the same two headers from constants. Each
/// operation is what a typed client does: create the request and send it through an <see cref="HttpClient"/>, here to
/// an in-memory terminal handler. "No handler" shows what the request costs alone, so each handler's own cost is the
/// difference. <see cref="Terminal.Asynchronous"/> makes the terminal complete later, as a socket does.
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private HttpClient _none = null!;
    private HttpClient _constant = null!;
    private HttpClient _orum = null!;
    private TokenCache _tokens = null!;

    public enum Terminal
    {
        Synchronous,
        Asynchronous,
    }

    [Params(Terminal.Synchronous, Terminal.Asynchronous)]
    public Terminal Completes { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var yields = Completes == Terminal.Asynchronous;
        var options = BenchmarkCredentials.Options();
        _tokens = new TokenCache(new FixedTokenClient(TimeProvider.System), options);
        var token = await _tokens.GetTokenAsync().ConfigureAwait(false);

        _none = new HttpClient(new InMemoryTerminalHandler(yields));
        _constant = new HttpClient(new ConstantHeadersHandler(token.Value) { InnerHandler = new InMemoryTerminalHandler(yields) });
        _orum = new HttpClient(new OrumBearerTokenHandler(_tokens, options) { InnerHandler = new InMemoryTerminalHandler(yields) });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _none.Dispose();
        _constant.Dispose();
        _orum.Dispose();
        _tokens.Dispose();
    }

    [Benchmark(Description = "no handler (the request alone)")]
    public HttpResponseMessage NoHandler() => Send(_none);

    [Benchmark(Baseline = true, Description = "constant headers")]
    public HttpResponseMessage ConstantHeaders() => Send(_constant);

    [Benchmark(Description = "OrumBearerTokenHandler")]
    public HttpResponseMessage OrumBearerTokenHandler() => Send(_orum);

    private static HttpResponseMessage Send(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BenchmarkCredentials.BalanceUri);
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None).GetAwaiter().GetResult();
    }
}
