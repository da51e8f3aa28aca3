using System.Globalization;
using Orum.Auth.Testing.Internal;

namespace Orum.Auth.Testing;

/// <summary>
/// A failure that <see cref="OrumSandboxServer"/> serves instead of its normal answer to one <c>POST /oauth/token</c>.
/// Queue faults with <see cref="OrumSandboxServer.EnqueueFault"/>: each token request takes the next one, in order.
/// </summary>
/// <example>
/// <code>
/// server.EnqueueFault(OrumSandboxFault.RateLimited(TimeSpan.FromSeconds(60)));
/// server.EnqueueFault(OrumSandboxFault.DropConnection());
/// </code>
/// </example>
public sealed class OrumSandboxFault
{
    private OrumSandboxFault(SandboxFaultKind kind, int statusCode = 0, string? errorCode = null, string? message = null, TimeSpan? duration = null)
    {
        Kind = kind;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Message = message;
        Duration = duration;
    }

    internal SandboxFaultKind Kind { get; }

    internal int StatusCode { get; }

    internal string? ErrorCode { get; }

    internal string? Message { get; }

    /// <summary>The <c>Retry-After</c> of a status fault, or the wait of a delay fault.</summary>
    internal TimeSpan? Duration { get; }

    /// <summary>Answers with an Orum error response: <paramref name="statusCode"/> and <c>{"error_code", "message", "details": null}</c>.</summary>
    /// <param name="statusCode">An error status, 400 to 599.</param>
    /// <param name="errorCode">The <c>error_code</c>, such as <c>too_many_requests</c>.</param>
    /// <param name="message">The <c>message</c>, such as <c>Too Many Requests</c>.</param>
    /// <param name="retryAfter">When set, sent as <c>Retry-After</c> (whole seconds, rounded up) and <c>X-Retry-In</c>.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not an error status, or <paramref name="retryAfter"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="errorCode"/> or <paramref name="message"/> is empty.</exception>
    public static OrumSandboxFault Status(int statusCode, string errorCode, string message, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ArgumentException.ThrowIfNullOrEmpty(message);
        if (retryAfter is { } wait)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(retryAfter));
        }

        return new OrumSandboxFault(SandboxFaultKind.Status, statusCode, errorCode, message, retryAfter);
    }

    /// <summary>Answers 429 with Orum's documented body, <c>{"error_code":"too_many_requests","message":"Too Many Requests"}</c>.</summary>
    /// <param name="retryAfter">Sent as <c>Retry-After</c> (whole seconds, rounded up) and <c>X-Retry-In</c>.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retryAfter"/> is negative.</exception>
    public static OrumSandboxFault RateLimited(TimeSpan retryAfter) =>
        Status(429, OrumErrorCodes.TooManyRequests, "Too Many Requests", retryAfter);

    /// <summary>
    /// Waits <paramref name="delay"/> on the server's <see cref="TimeProvider"/>, then answers normally. With a
    /// <c>FakeTimeProvider</c> the answer comes when the test advances the clock; a client that gives up ends the wait.
    /// </summary>
    /// <param name="delay">How long to wait.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static OrumSandboxFault Delay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new OrumSandboxFault(SandboxFaultKind.Delay, duration: delay);
    }

    /// <summary>Closes the connection without answering: the client sees a network error.</summary>
    /// <returns>The fault.</returns>
    public static OrumSandboxFault DropConnection() => new(SandboxFaultKind.DropConnection);

    /// <summary>
    /// Answers 200 with a <c>Content-Length</c> larger than the body it writes (half of a token response), then closes the
    /// connection: the headers arrive, the body never completes.
    /// </summary>
    /// <returns>The fault.</returns>
    public static OrumSandboxFault TruncatedBody() => new(SandboxFaultKind.TruncatedBody);

    /// <summary>Answers <paramref name="statusCode"/> with a <c>text/html</c> page, as a proxy or load balancer in front of Orum would.</summary>
    /// <param name="statusCode">The status, 200 to 599 (for example 502, or 200 for a captive portal).</param>
    /// <returns>The fault.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not 200 to 599.</exception>
    public static OrumSandboxFault Html(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return new OrumSandboxFault(SandboxFaultKind.Html, statusCode);
    }

    /// <summary>Describes the fault.</summary>
    /// <returns>For example <c>Status(429 too_many_requests, Retry-After 00:01:00)</c>.</returns>
    public override string ToString() => Kind switch
    {
        SandboxFaultKind.Status => string.Create(CultureInfo.InvariantCulture, $"Status({StatusCode} {ErrorCode}{(Duration is { } wait ? $", Retry-After {wait}" : string.Empty)})"),
        SandboxFaultKind.Delay => string.Create(CultureInfo.InvariantCulture, $"Delay({Duration})"),
        SandboxFaultKind.Html => string.Create(CultureInfo.InvariantCulture, $"Html({StatusCode})"),
        _ => $"{Kind}()",
    };
}
