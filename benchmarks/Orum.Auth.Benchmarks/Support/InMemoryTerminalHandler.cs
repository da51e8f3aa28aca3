namespace Orum.Auth.Benchmarks.Support;

/// <summary>
/// The end of a handler chain without a network: answers every request with one shared 200 response, so a benchmark
/// measures the handlers in front of it. Before answering it does what <see cref="SocketsHttpHandler"/> does first,
/// reading the request URI's <see cref="Uri.IdnHost"/> and <see cref="Uri.Port"/> to pick a connection pool: parsing a
/// new URI's host is a cost of every real request, charged here to the transport whichever handler reads it first.
/// With <c>yields</c> it completes asynchronously, as a socket does.
/// </summary>
internal sealed class InMemoryTerminalHandler(bool yields) : HttpMessageHandler
{
    private readonly Task<HttpResponseMessage> _ok = Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (uri.IdnHost.Length == 0 || uri.Port <= 0)
        {
            throw new InvalidOperationException("The request has no host.");
        }

        return yields ? YieldThenAnswerAsync() : _ok;
    }

    private async Task<HttpResponseMessage> YieldThenAnswerAsync()
    {
        await Task.Yield();
        return _ok.Result;
    }
}
