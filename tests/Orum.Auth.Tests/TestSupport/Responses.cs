using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>Builders for the responses the fake Orum endpoints send.</summary>
public static class Responses
{
    /// <summary>The documented 200 body of <c>POST /oauth/token</c>.</summary>
    public static HttpResponseMessage Token(string value = TestCredentials.TokenValue, double expiresIn = 3600, string tokenType = "Bearer") =>
        Json(HttpStatusCode.OK, TokenJson(value, expiresIn, tokenType));

    public static string TokenJson(string value = TestCredentials.TokenValue, double expiresIn = 3600, string tokenType = "Bearer") =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"access_token":{{Quote(value)}},"token_type":{{Quote(tokenType)}},"expires_in":{{expiresIn}}}""");

    /// <summary>Orum's documented error body: <c>{"error_code":…,"message":…,"details":…}</c>.</summary>
    public static HttpResponseMessage OrumError(HttpStatusCode status, string errorCode, string message, string detailsJson = "null") =>
        Json(status, $$"""{"error_code":{{Quote(errorCode)}},"message":{{Quote(message)}},"details":{{detailsJson}}}""");

    public static HttpResponseMessage Json(HttpStatusCode status, string json) => Text(status, "application/json", json);

    public static HttpResponseMessage Text(HttpStatusCode status, string mediaType, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    /// <summary>A body of exact bytes with a known Content-Length.</summary>
    public static HttpResponseMessage Bytes(HttpStatusCode status, string? mediaType, byte[] body)
    {
        var content = new ByteArrayContent(body);
        if (mediaType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        return new HttpResponseMessage(status) { Content = content };
    }

    /// <summary>A streamed body with no Content-Length, as with chunked transfer encoding.</summary>
    public static HttpResponseMessage Streamed(HttpStatusCode status, string? mediaType, Stream body)
    {
        var content = new StreamContent(body);
        if (mediaType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        return new HttpResponseMessage(status) { Content = content };
    }

    /// <summary>Adds a response header the way a socket handler does: unvalidated, so garbage arrives as sent.</summary>
    public static HttpResponseMessage WithHeader(this HttpResponseMessage response, string name, string value)
    {
        Assert.True(response.Headers.TryAddWithoutValidation(name, value));
        return response;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A JSON string literal, for building bodies around arbitrary text.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value);
}
