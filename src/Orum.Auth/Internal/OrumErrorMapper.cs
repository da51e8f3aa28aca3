using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Orum.Auth.Internal;

/// <summary>Turns an Orum error response into the exception for its status, with Orum's error code when the body has one.</summary>
internal static class OrumErrorMapper
{
    /// <param name="response">The error response.</param>
    /// <param name="operation">What was attempted, for the message.</param>
    /// <param name="timeProvider">The clock for HTTP-date Retry-After values.</param>
    /// <param name="text">Cleans what the server wrote before it is quoted or kept (it masks the secret the request carried).</param>
    /// <param name="cancellationToken">Stops reading the body (the caller's token, possibly linked with a timeout).</param>
    /// <param name="callerCancellationToken">The caller's own token: only its cancellation propagates. When
    /// <paramref name="cancellationToken"/> fires without it (a timeout), the body is described as stalled and the
    /// status-based exception, with its Retry-After, is still returned.</param>
    internal static async Task<OrumApiException> CreateAsync(
        HttpResponseMessage response,
        string operation,
        TimeProvider timeProvider,
        ServerText text,
        CancellationToken cancellationToken,
        CancellationToken callerCancellationToken)
    {
        var retryAfter = RetryAfterParser.Parse(response, timeProvider);
        ErrorResponseBody? error = null;
        string bodyDescription;
        try
        {
            using var body = await LimitedBody.ReadAsync(response.Content, cancellationToken).ConfigureAwait(false);
            error = TryParse(body, text);
            bodyDescription = DescribeBody(MediaType(response, text), body);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            bodyDescription = $"{DescribeUnread(response, text)} that could not be read to the end";
        }
        catch (OperationCanceledException) when (!callerCancellationToken.IsCancellationRequested)
        {
            // The status and headers did arrive: a stalled body must not turn a 429 into a different failure and lose
            // its Retry-After, or the cache would retry during Orum's block.
            bodyDescription = $"{DescribeUnread(response, text)} that did not finish in time";
        }

        var status = response.StatusCode;
        var message = error is null
            ? $"{operation} failed: Orum returned HTTP {Status(status)} with {bodyDescription}, which is not an Orum error response (it may come from a proxy or load balancer). {Advice(status)}"
            : $"{operation} failed: Orum returned HTTP {Status(status)}, error_code '{error.ErrorCode}': {Quote(error.Message)}. {Advice(status)}";

        return Create(message.TrimEnd(), status, error?.ErrorCode, error?.Message, error?.Details, retryAfter);
    }

    internal static OrumApiException Create(string message, HttpStatusCode status, string? errorCode, string? errorMessage, JsonElement? details, TimeSpan? retryAfter) =>
        status switch
        {
            HttpStatusCode.BadRequest => new OrumBadRequestException(message, errorCode, errorMessage, details, retryAfter),
            HttpStatusCode.Unauthorized => new OrumUnauthorizedException(message, errorCode, errorMessage, details, retryAfter),
            HttpStatusCode.Forbidden => new OrumForbiddenException(message, errorCode, errorMessage, details, retryAfter),
            HttpStatusCode.TooManyRequests => new OrumRateLimitedException(message, errorCode, errorMessage, details, retryAfter),
            _ => new OrumServerException(message, status, errorCode, errorMessage, details, retryAfter),
        };

    internal static string Status(HttpStatusCode status) =>
        Enum.IsDefined(status)
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)status} ({status})")
            : ((int)status).ToString(CultureInfo.InvariantCulture);

    /// <summary>The response's media type, cleaned: a server can put anything there, the secret included.</summary>
    internal static string? MediaType(HttpResponseMessage response, ServerText text) =>
        text.Clean(response.Content.Headers.ContentType?.MediaType, ServerText.MaxMediaTypeLength);

    private static string DescribeUnread(HttpResponseMessage response, ServerText text) =>
        $"a body ({MediaType(response, text) ?? "no content type"})";

    internal static string DescribeBody(string? mediaType, LimitedBody body)
    {
        mediaType ??= "no content type";
        return body.TooLarge
            ? $"a {mediaType} body over {LimitedBody.MaxBytes / 1024} KiB"
            : body.Length == 0
                ? $"an empty body ({mediaType})"
                : string.Create(CultureInfo.InvariantCulture, $"a {body.Length}-byte {mediaType} body");
    }

    private static ErrorResponseBody? TryParse(LimitedBody body, ServerText text)
    {
        if (body.TooLarge || body.Length == 0)
        {
            return null;
        }

        try
        {
            var error = JsonSerializer.Deserialize(body.Span, OrumJsonContext.Default.ErrorResponseBody);
            if (error is null || string.IsNullOrEmpty(error.ErrorCode))
            {
                return null;
            }

            // Keep details only when they are the documented object. The cleaned copy also outlives the pooled buffer.
            error.Details = error.Details is { ValueKind: JsonValueKind.Object } details ? CleanOrDrop(details, text) : null;
            error.ErrorCode = text.Clean(error.ErrorCode, ServerText.MaxErrorCodeLength);
            error.Message = text.Clean(error.Message, ServerText.MaxTextLength);
            return error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Details whose strings are not valid UTF-8 cannot be read back as text: they are dropped, the rest of the error kept.
    private static JsonElement? CleanOrDrop(JsonElement details, ServerText text)
    {
        try
        {
            return text.Clean(details);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Advice(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "Check the client id and secret, and that the credential has not been deleted.",
        HttpStatusCode.Forbidden => "The credential is not allowed to do this.",
        HttpStatusCode.TooManyRequests => "Orum is rate limiting this client: wait for RetryAfter before trying again.",
        >= HttpStatusCode.InternalServerError => "This is usually transient; try again later.",
        _ => string.Empty,
    };

    /// <summary>The start of Orum's message (already cleaned), short enough for an exception's message.</summary>
    private static string Quote(string? message) =>
        message is null ? string.Empty : ServerText.Shorten(message, ServerText.MaxQuotedMessageLength).TrimEnd('.');
}
