using BenchmarkDotNet.Attributes;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 3: one request through <see cref="OrumBearerTokenHandler"/> (cache hit, host check, headers, 401 check)
/// costs at most 1.10x, and no more bytes than, a handler that sets the same two headers from constants, over an
/// in-memory terminal handler. "No handler" is the request alone, so each handler's own cost is the difference.
/// </summary>
/// <remarks>
/// <para><see cref="Shape.TypedClient"/> is what a typed Deliver client does: <c>GetAsync("deliver/balance")</c> on an
/// <see cref="HttpClient"/> with a <c>BaseAddress</c> (the URI is combined per request). <see cref="Shape.AbsoluteUri"/>
/// sends a request built on one prepared absolute <see cref="Uri"/>: the cheapest request there is, so the handler's
/// fixed cost (mostly the clock read every hit must make) weighs most there.</para>
/// <para><see cref="Terminal.Asynchronous"/> makes the terminal complete later, as a socket does: the handler then
/// waits for the answer to check it for a 401.</para>
/// </remarks>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private const string RelativeUri = "deliver/balance";

    private HttpClient _none = null!;
    private HttpClient _constant = null!;
    private HttpClient _orum = null!;
    private TokenCache _tokens = null!;

    public enum Shape
    {
        TypedClient,
        AbsoluteUri,
    }

    public enum Terminal
    {
        Synchronous,
        Asynchronous,
    }

    [Params(Shape.TypedClient, Shape.AbsoluteUri)]
    public Shape Request { get; set; }

    [Params(Terminal.Synchronous, Terminal.Asynchronous)]
    public Terminal Completes { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var yields = Completes == Terminal.Asynchronous;
        var options = BenchmarkCredentials.Options();
        _tokens = new TokenCache(new FixedTokenClient(TimeProvider.System), options);
        var token = await _tokens.GetTokenAsync().ConfigureAwait(false);

        _none = Client(new InMemoryTerminalHandler(yields));
        _constant = Client(new ConstantHeadersHandler(token.Value) { InnerHandler = new InMemoryTerminalHandler(yields) });
        _orum = Client(new OrumBearerTokenHandler(_tokens, options) { InnerHandler = new InMemoryTerminalHandler(yields) });
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

    private static HttpClient Client(HttpMessageHandler handler) => new(handler) { BaseAddress = BenchmarkCredentials.ApiBaseAddress };

    private HttpResponseMessage Send(HttpClient client)
    {
        if (Request == Shape.TypedClient)
        {
            return client.GetAsync(RelativeUri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, BenchmarkCredentials.BalanceUri);
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
    }
}
