using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// A fake <c>POST /oauth/token</c> shared by every replica of a test: counts requests, records the secrets it was sent,
/// and can hold every answer behind a gate. Each answer is a new made-up token, "made-up-token-{n}-{run}".
/// </summary>
internal sealed class TokenEndpoint : HttpMessageHandler
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public ConcurrentQueue<string> SecretsSent { get; } = new();

    /// <summary>Completes when the first request arrives.</summary>
    public TaskCompletionSource FirstRequest { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, every answer waits for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int ExpiresInSeconds { get; set; } = 3600;

    public string TokenValue(int n) => $"made-up-token-{n}-{_run}";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _requests);
        using (var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)))
        {
            SecretsSent.Enqueue(body.RootElement.GetProperty("client_secret").GetString()!);
        }

        FirstRequest.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        var json = $$"""{"access_token":"{{TokenValue(n)}}","token_type":"Bearer","expires_in":{{ExpiresInSeconds}}}""";
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
