using System.Net;

namespace Orum.Auth;

/// <summary>
/// Orum (or something between you and Orum) answered with a body that is not the documented JSON: an HTML page from a
/// proxy, a truncated or oversized body, wrong types, a missing <c>access_token</c> or an impossible <c>expires_in</c>.
/// The message says what came back (status, content type, length), never the body.
/// </summary>
public sealed class OrumInvalidResponseException : OrumAuthException
{
    /// <summary>Creates the exception, for example in a fake.</summary>
    /// <param name="message">What came back and why it was refused.</param>
    /// <param name="statusCode">The HTTP status of the response.</param>
    /// <param name="contentType">The response's media type, or <see langword="null"/>.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OrumInvalidResponseException(string message, HttpStatusCode statusCode, string? contentType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ContentType = contentType;
    }

    /// <summary>Gets the HTTP status of the response.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the response's media type, or <see langword="null"/> when it had none. It is cleaned like
    /// <see cref="OrumApiException"/>'s server text (the client secret masked as <c>***</c>) and cut at 100 characters.</summary>
    public string? ContentType { get; }
}
