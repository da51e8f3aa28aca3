namespace Orum.Auth.Benchmarks.Support;

/// <summary>
/// The end of a handler chain without a network: answers every request with one shared 200 response, so a benchmark
/// measures the handlers in front of it and nothing else. With <c>yields</c> it completes asynchronously, as a real
/// socket does.
/// </summary>
internal sealed class InMemoryTerminalHandler(bool yields) : HttpMessageHandler
{
    private readonly Task<HttpResponseMessage> _ok = Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        yields ? YieldThenAnswerAsync() : _ok;

    private async Task<HttpResponseMessage> YieldThenAnswerAsync()
    {
        await Task.Yield();
        return _ok.Result;
    }
}
