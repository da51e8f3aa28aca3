using System.Collections.Concurrent;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>What a <see cref="RecordingEndpoint"/> saw of one request.</summary>
internal sealed record RecordedRequest(HttpMethod Method, Uri? Uri, string? Authorization, string? OrumVersion, string? Body);

/// <summary>
/// A fake HTTP endpoint served by a RichardSzalay.MockHttp handler (<see cref="Handler"/>): it records every request it
/// gets, lets a test wait for the n-th one, and answers from a script (then from a default responder).
/// </summary>
internal sealed class RecordingEndpoint : IMockedRequest
{
    public const string SandboxTokenUrl = "https://api-sandbox.orum.io/oauth/token";

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly Func<HttpRequestMessage, bool> _matches;
    private readonly Responder _default;
    private readonly ConcurrentQueue<Responder> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _count;

    private RecordingEndpoint(Func<HttpRequestMessage, bool> matches, Responder respond)
    {
        _matches = matches;
        _default = respond;
        Handler = new MockHttpMessageHandler();
        Handler.AddBackendDefinition(this);
    }

    /// <summary>
    /// Answers one request; <c>attempt</c> counts from 1 across every request the endpoint has seen. A responder may end
    /// by cancellation, but must fail synchronously if it fails (see <see cref="IMockedRequest.SendAsync"/> below).
    /// </summary>
    public delegate Task<HttpResponseMessage> Responder(HttpRequestMessage request, int attempt, CancellationToken cancellationToken);

    /// <summary>Gets the MockHttp handler to use as a primary handler.</summary>
    public MockHttpMessageHandler Handler { get; }

    /// <summary>Gets how many requests the endpoint has received.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the requests received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>
    /// A token endpoint (<c>POST {url}</c>) that issues <c>{prefix}-1</c>, <c>{prefix}-2</c>, … valid for
    /// <paramref name="expiresIn"/> seconds, unless the script says otherwise.
    /// </summary>
    public static RecordingEndpoint TokenEndpoint(string url = SandboxTokenUrl, string prefix = "token", int expiresIn = 3600) =>
        new(
            request => request.Method == HttpMethod.Post && request.RequestUri?.AbsoluteUri == url,
            (_, attempt, _) => Task.FromResult(Token($"{prefix}-{attempt}", expiresIn)));

    /// <summary>A token endpoint like <see cref="TokenEndpoint"/>, at <c>POST /oauth/token</c> on whatever host the request names.</summary>
    public static RecordingEndpoint TokenEndpointOnAnyHost(string prefix = "token", int expiresIn = 3600) =>
        new(
            request => request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath == "/oauth/token",
            (_, attempt, _) => Task.FromResult(Token($"{prefix}-{attempt}", expiresIn)));

    /// <summary>An API that answers every request with <paramref name="respond"/> (200 with <c>{}</c> by default).</summary>
    public static RecordingEndpoint Api(Responder? respond = null) =>
        new(_ => true, respond ?? ((_, _, _) => Task.FromResult(Json(HttpStatusCode.OK, "{}"))));

    public static HttpResponseMessage Token(string value, int expiresIn = 3600) =>
        Json(HttpStatusCode.OK, $$"""{"access_token":"{{value}}","token_type":"Bearer","expires_in":{{expiresIn}}}""");

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>An Orum error response, with optional headers such as <c>Retry-After</c>.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, params (string Name, string Value)[] headers)
    {
        var response = Json(status, $$"""{"error_code":"e{{(int)status}}","message":"made-up error"}""");
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    /// <summary>Answers the next request (after any already scripted) with <paramref name="respond"/>.</summary>
    public RecordingEndpoint Then(Responder respond)
    {
        _script.Enqueue(respond);
        return this;
    }

    public RecordingEndpoint Then(Func<HttpResponseMessage> respond) => Then((_, _, _) => Task.FromResult(respond()));

    /// <summary>Fails the next request the way a dropped connection does.</summary>
    public RecordingEndpoint ThenNetworkError() =>
        Then((_, _, _) => Task.FromException<HttpResponseMessage>(new HttpRequestException("made-up connection reset")));

    /// <summary>
    /// Never answers the next request: it only ends when the caller cancels it (an attempt timeout, say), and then calls
    /// <paramref name="onCancelled"/>.
    /// </summary>
    public RecordingEndpoint ThenHang(Action? onCancelled = null) =>
        Then(async (_, _, cancellationToken) =>
        {
            var never = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() =>
            {
                onCancelled?.Invoke();
                never.TrySetCanceled(cancellationToken);
            }))
            {
                return await never.Task;
            }
        });

    /// <summary>Completes when the endpoint has received at least <paramref name="count"/> requests; fails after 10 s.</summary>
    public Task WaitForRequestsAsync(int count)
    {
        lock (_gate)
        {
            if (_count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(WaitLimit);
        }
    }

    bool IMockedRequest.Matches(HttpRequestMessage message) => _matches(message);

    Task<HttpResponseMessage> IMockedRequest.SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        // Read the body the way a transport does, by serializing it without buffering it: a body that cannot be sent twice
        // then fails on its second send here too.
        string? body = null;
        if (message.Content is { } content)
        {
            using var copy = new MemoryStream();
            content.CopyTo(copy, null, cancellationToken);
            body = Encoding.UTF8.GetString(copy.ToArray());
        }

        var version = message.Headers.TryGetValues("Orum-Version", out var values) ? string.Join(",", values) : null;
        _requests.Enqueue(new RecordedRequest(message.Method, message.RequestUri, message.Headers.Authorization?.ToString(), version, body));

        int attempt;
        List<TaskCompletionSource> reached = [];
        lock (_gate)
        {
            attempt = ++_count;
            _waiters.RemoveAll(w =>
            {
                if (w.Count > attempt)
                {
                    return false;
                }

                reached.Add(w.Reached);
                return true;
            });
        }

        reached.ForEach(r => r.TrySetResult());
        var respond = _script.TryDequeue(out var scripted) ? scripted : _default;
        var response = respond(message, attempt, cancellationToken);

        // MockHttp 7.1 reads the result of this task before checking whether it faulted, so a task that faults later never
        // completes the request: faults are raised here, synchronously, as MockHttp's own Throw() does.
        if (response.IsFaulted)
        {
            ExceptionDispatchInfo.Throw(response.Exception!.InnerException!);
        }

        return response;
    }
}
