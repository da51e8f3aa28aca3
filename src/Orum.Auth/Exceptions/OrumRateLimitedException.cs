using System.Net;
using System.Text.Json;

namespace Orum.Auth;

/// <summary>Orum answered with HTTP 429: Orum's rate limit was hit (429 Too Many Requests); wait for RetryAfter before trying again.</summary>
public sealed class OrumRateLimitedException : OrumApiException
{
    /// <summary>Creates the exception, for example in a fake.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    /// <param name="errorCode">Orum's <c>error_code</c>, or <see langword="null"/> when the body was not Orum's JSON.</param>
    /// <param name="errorMessage">Orum's <c>message</c>, or <see langword="null"/>.</param>
    /// <param name="details">Orum's <c>details</c> object, or <see langword="null"/>.</param>
    /// <param name="retryAfter">How long Orum asked callers to wait, or <see langword="null"/>.</param>
    public OrumRateLimitedException(
        string message,
        string? errorCode = null,
        string? errorMessage = null,
        JsonElement? details = null,
        TimeSpan? retryAfter = null)
        : base(message, HttpStatusCode.TooManyRequests, errorCode, errorMessage, details, retryAfter)
    {
    }
}
