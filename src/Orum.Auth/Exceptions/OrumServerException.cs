using System.Net;
using System.Text.Json;

namespace Orum.Auth;

/// <summary>Orum answered with a 5xx status, or with any error status that has no exception of its own.</summary>
public sealed class OrumServerException : OrumApiException
{
    /// <summary>Creates the exception, for example in a fake.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    /// <param name="statusCode">The HTTP status Orum returned.</param>
    /// <param name="errorCode">Orum's <c>error_code</c>, or <see langword="null"/> when the body was not Orum's JSON.</param>
    /// <param name="errorMessage">Orum's <c>message</c>, or <see langword="null"/>.</param>
    /// <param name="details">Orum's <c>details</c> object, or <see langword="null"/>.</param>
    /// <param name="retryAfter">How long Orum asked callers to wait, or <see langword="null"/>.</param>
    public OrumServerException(
        string message,
        HttpStatusCode statusCode,
        string? errorCode = null,
        string? errorMessage = null,
        JsonElement? details = null,
        TimeSpan? retryAfter = null)
        : base(message, statusCode, errorCode, errorMessage, details, retryAfter)
    {
    }
}
