using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// A fake <c>POST /oauth/token</c> shared by every replica of a test: counts requests, records the secrets it was sent
/// and when each request arrived and what it was answered, can hold every answer behind a gate or a latency on the test's
/// clock, and answers from a script (<see cref="Enqueue"/>, then <see cref="Next"/>, then a token). Each token is a new
/// made-up one, "made-up-token-{n}-{run}".
/// </summary>
internal sealed class TokenEndpoint : HttpMessageHandler
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentQueue<Answer> _script = new();
    private int _requests;
    private int _delayed;

    public int Requests => Volatile.Read(ref _requests);

    public ConcurrentQueue<string> SecretsSent { get; } = new();

    /// <summary>Every answer, in the order the requests arrived, stamped with <see cref="Clock"/>.</summary>
    public ConcurrentQueue<Served> Answers { get; } = new();

    /// <summary>Completes when the first request arrives.</summary>
    public TaskCompletionSource FirstRequest { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, every answer waits for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>The clock that stamps requests and that <see cref="Latency"/> waits on.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>How long each answer takes, on <see cref="Clock"/>.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Requests waiting out their <see cref="Latency"/>.</summary>
    public int Delayed => Volatile.Read(ref _delayed);

    /// <summary>The answer when the script is empty; a token of <see cref="ExpiresInSeconds"/> when null.</summary>
    public Answer? Next { get; set; }

    public int ExpiresInSeconds { get; set; } = 3600;

    public string TokenValue(int n) => $"made-up-token-{n}-{_run}";

    /// <summary>The next requests get these answers, in order.</summary>
    public void Enqueue(params Answer[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _requests);
        var arrived = Clock.GetUtcNow();
        using (var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)))
        {
            SecretsSent.Enqueue(body.RootElement.GetProperty("client_secret").GetString()!);
        }

        FirstRequest.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Latency > TimeSpan.Zero)
        {
            Interlocked.Increment(ref _delayed);
            try
            {
                await Task.Delay(Latency, Clock, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _delayed);
            }
        }

        var answer = _script.TryDequeue(out var scripted) ? scripted : Next ?? Answer.Token(ExpiresInSeconds);
        Answers.Enqueue(new Served(n, arrived, Clock.GetUtcNow(), answer, answer.Status == HttpStatusCode.OK ? TokenValue(n) : null));
        if (answer.TimesOut)
        {
            // What HttpClient throws when its own timeout ends a request.
            throw new TaskCanceledException("The made-up token endpoint did not answer in time.", new TimeoutException());
        }

        var json = answer.Status == HttpStatusCode.OK
            ? $$"""{"access_token":"{{TokenValue(n)}}","token_type":"Bearer","expires_in":{{answer.ExpiresIn}}}"""
            : $$"""{"error_code":"{{answer.ErrorCode}}","message":"A made-up {{(int)answer.Status}}."}""";
        var response = new HttpResponseMessage(answer.Status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (answer.RetryAfter is { } wait)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }
}

/// <summary>What the fake token endpoint answers: a token, an error status (with a Retry-After), or no answer in time.</summary>
internal sealed record Answer(HttpStatusCode Status, int ExpiresIn = 3600, TimeSpan? RetryAfter = null, bool TimesOut = false)
{
    public string ErrorCode => Status switch
    {
        HttpStatusCode.TooManyRequests => "too_many_requests",
        HttpStatusCode.Unauthorized => "invalid_client_secret",
        HttpStatusCode.BadRequest => "missing_client_id",
        _ => "server_error",
    };

    public static Answer Token(int expiresIn = 3600) => new(HttpStatusCode.OK, expiresIn);

    public static Answer RateLimited(TimeSpan? retryAfter = null) => new(HttpStatusCode.TooManyRequests, RetryAfter: retryAfter);

    public static Answer Error(HttpStatusCode status, TimeSpan? retryAfter = null) => new(status, RetryAfter: retryAfter);

    public static Answer Timeout() => new(HttpStatusCode.GatewayTimeout, TimesOut: true);

    public override string ToString() => TimesOut
        ? "timeout"
        : Status == HttpStatusCode.OK
            ? $"token {ExpiresIn} s"
            : RetryAfter is { } wait ? $"{(int)Status} Retry-After {wait.TotalSeconds} s" : $"{(int)Status}";
}

/// <summary>One answer of the fake token endpoint: the n-th request, when it arrived and was answered, and the token it issued.</summary>
internal sealed record Served(int N, DateTimeOffset Arrived, DateTimeOffset Answered, Answer Answer, string? Token);
