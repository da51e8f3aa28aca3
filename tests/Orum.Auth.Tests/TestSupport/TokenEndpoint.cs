using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A mocked Orum token endpoint (RichardSzalay.MockHttp) with a fake clock. It records every request, answers with a
/// responder (a token by default), fails loudly on any other URL, and lets a responder report that it is stuck (headers
/// or body that never arrive) so <see cref="RequestTokenAsync"/> moves the clock past the timeout instead of waiting.
/// </summary>
public sealed class TokenEndpoint : IDisposable
{
    private readonly MockHttpMessageHandler _mock = new();
    private readonly List<CapturedRequest> _requests = [];
    private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<TokenEndpoint, Task<HttpResponseMessage>> _responder = e => Task.FromResult(Responses.Token(e.TokenValue));

    public TokenEndpoint(string url = TestCredentials.SandboxTokenUrl, OrumAuthOptions? options = null)
    {
        Options = options ?? TestCredentials.Options();
        _mock.When(HttpMethod.Post, url).Respond(request =>
        {
            var captured = CapturedRequest.Capture(request, Time.GetUtcNow());
            lock (_requests)
            {
                _requests.Add(captured);
            }

            var response = _responder(this);

            // MockHttp never completes a request whose response task is faulted (it reads Result first), so a
            // responder's failure is rethrown here, synchronously, which MockHttp does pass on.
            if (response.IsFaulted)
            {
                response.GetAwaiter().GetResult();
            }

            return response;
        });
        _mock.Fallback.Throw(new InvalidOperationException($"The test endpoint only serves POST {url}."));
    }

    /// <summary>Gets the options the next <see cref="CreateClient"/> copies.</summary>
    public OrumAuthOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(TestCredentials.Start);

    /// <summary>Gets or sets the access_token value the default responder issues.</summary>
    public string TokenValue { get; set; } = TestCredentials.TokenValue;

    /// <summary>Gets or sets where the clients log; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public CapturedRequest LastRequest => Requests[^1];

    /// <summary>Gets a task that completes when a responder reports it is stuck.</summary>
    public Task Blocked => _blocked.Task;

    public void Respond(Func<HttpResponseMessage> respond) => _responder = _ => Task.FromResult(respond());

    public void Respond(Func<TokenEndpoint, HttpResponseMessage> respond) => _responder = e => Task.FromResult(respond(e));

    public void Respond(Func<TokenEndpoint, Task<HttpResponseMessage>> respond) => _responder = respond;

    /// <summary>Reports that the response is stuck (called by hanging responders and <see cref="HangingStream"/>).</summary>
    public void SignalBlocked() => _blocked.TrySetResult();

    /// <summary>Headers that never come: a responder that blocks until the client gives up.</summary>
    public Task<HttpResponseMessage> NeverRespondAsync()
    {
        SignalBlocked();
        return new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously).Task;
    }

    public HttpClient CreateHttpClient() => _mock.ToHttpClient();

    public OrumAuthClient CreateClient() => new(CreateHttpClient(), Options, Time, LoggerFactory);

    /// <summary>
    /// Requests a token with a new client. When the endpoint reports it is stuck, the fake clock moves just past
    /// <see cref="OrumAuthOptions.TokenRequestTimeout"/>: the request must then end, never hang.
    /// </summary>
    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        var pending = CreateClient().RequestTokenAsync(cancellationToken);
        var first = await Task.WhenAny(pending, Blocked).WaitAsync(TestCredentials.HangGuard, CancellationToken.None);
        if (first != pending)
        {
            Time.Advance(Options.TokenRequestTimeout + TimeSpan.FromSeconds(1));
        }

        return await pending.WaitAsync(TestCredentials.HangGuard, CancellationToken.None);
    }

    public void Dispose() => _mock.Dispose();
}
