using System.Net;
using System.Text.Json;

namespace Orum.Auth;

/// <summary>
/// Orum answered with an error status. The subclasses name the common statuses; key your handling on
/// <see cref="ErrorCode"/> (see <see cref="OrumErrorCodes"/>), never on the message text.
/// </summary>
/// <remarks>
/// What the server wrote (<see cref="ErrorCode"/>, <see cref="ErrorMessage"/>, every string in <see cref="Details"/>, and the
/// parts of the message that quote them) arrives cleaned in the exceptions Orum.Auth throws: the secret the request
/// carried (the client secret of a token request; the bearer token of a response given to
/// <c>EnsureOrumSuccessAsync</c>) is replaced with <c>***</c>, in any letter case, URL-encoded or JSON-escaped; control,
/// line-separator and invisible format characters become spaces (no forged log lines); and lengths are capped, the text
/// then ending in <c>…</c>: <see cref="ErrorCode"/> at 64 characters, <see cref="ErrorMessage"/> and each string of
/// <see cref="Details"/> at 1,000, the message's quote of Orum's <c>message</c> at 200.
/// </remarks>
public class OrumApiException : OrumAuthException
{
    /// <summary>Creates the exception, for example in a fake.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    /// <param name="statusCode">The HTTP status Orum returned.</param>
    /// <param name="errorCode">Orum's <c>error_code</c>, or <see langword="null"/> when the body was not Orum's JSON.</param>
    /// <param name="errorMessage">Orum's <c>message</c>, or <see langword="null"/>.</param>
    /// <param name="details">Orum's <c>details</c> object, or <see langword="null"/>.</param>
    /// <param name="retryAfter">How long Orum asked callers to wait, or <see langword="null"/>.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OrumApiException(
        string message,
        HttpStatusCode statusCode,
        string? errorCode = null,
        string? errorMessage = null,
        JsonElement? details = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Details = details;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the HTTP status Orum returned.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets Orum's <c>error_code</c> (cleaned, at most 64 characters), or <see langword="null"/> when the body was not
    /// Orum's error JSON.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets Orum's human-readable <c>message</c> (cleaned, at most 1,000 characters), or <see langword="null"/>. It may
    /// change without notice.</summary>
    public string? ErrorMessage { get; }

    /// <summary>Gets Orum's <c>details</c> object, or <see langword="null"/> when there was none. It is a copy in which every
    /// string, property names included, is cleaned like <see cref="ErrorMessage"/>.</summary>
    public JsonElement? Details { get; }

    /// <summary>
    /// Gets how long Orum asked callers to wait, from <c>Retry-After</c> (seconds or an HTTP date) or <c>X-Retry-In</c>,
    /// or <see langword="null"/> when neither was sent.
    /// </summary>
    public TimeSpan? RetryAfter { get; }
}
