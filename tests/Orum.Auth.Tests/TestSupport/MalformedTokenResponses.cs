using System.Net;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// 2xx answers to <c>POST /oauth/token</c> that are not the documented token, by name. Each one that can carry the
/// issued token value carries it (and the HTML page echoes the request), so a message that quoted the body would leak it.
/// </summary>
public static class MalformedTokenResponses
{
    private static readonly Dictionary<string, Func<TokenEndpoint, HttpResponseMessage>> Cases = new(StringComparer.Ordinal)
    {
        ["html-page"] = e => Responses.Text(HttpStatusCode.OK, "text/html", $"<html><body>Sign in to the proxy. You sent: {e.LastRequest.Body} {e.TokenValue}</body></html>"),
        ["plain-text"] = e => Responses.Text(HttpStatusCode.OK, "text/plain", $"access_token={e.TokenValue}"),
        ["empty-body"] = _ => Responses.Bytes(HttpStatusCode.OK, "application/json", []),
        ["no-content-204"] = _ => new HttpResponseMessage(HttpStatusCode.NoContent),
        ["json-null"] = _ => Responses.Json(HttpStatusCode.OK, "null"),
        ["json-array"] = e => Responses.Json(HttpStatusCode.OK, $"[{Responses.TokenJson(e.TokenValue)}]"),
        ["json-string"] = e => Responses.Json(HttpStatusCode.OK, Responses.Quote(e.TokenValue)),
        ["json-number"] = _ => Responses.Json(HttpStatusCode.OK, "3600"),
        ["empty-object"] = _ => Responses.Json(HttpStatusCode.OK, "{}"),
        ["access-token-missing"] = _ => Responses.Json(HttpStatusCode.OK, """{"token_type":"Bearer","expires_in":3600}"""),
        ["access-token-empty"] = _ => Responses.Json(HttpStatusCode.OK, """{"access_token":"","token_type":"Bearer","expires_in":3600}"""),
        ["access-token-null"] = _ => Responses.Json(HttpStatusCode.OK, """{"access_token":null,"token_type":"Bearer","expires_in":3600}"""),
        ["access-token-number"] = _ => Responses.Json(HttpStatusCode.OK, """{"access_token":1234567,"token_type":"Bearer","expires_in":3600}"""),
        ["access-token-object"] = e => Responses.Json(HttpStatusCode.OK, $$"""{"access_token":{"value":{{Responses.Quote(e.TokenValue)}}},"token_type":"Bearer","expires_in":3600}"""),
        ["access-token-header-injection"] = e => Responses.Token(e.TokenValue + "\r\nX-Injected: 1"),
        ["token-type-not-bearer"] = e => Responses.Token(e.TokenValue, tokenType: "MAC"),
        ["token-type-number"] = e => Responses.Json(HttpStatusCode.OK, $$"""{"access_token":{{Responses.Quote(e.TokenValue)}},"token_type":1,"expires_in":3600}"""),
        ["expires-in-missing"] = e => Responses.Json(HttpStatusCode.OK, $$"""{"access_token":{{Responses.Quote(e.TokenValue)}},"token_type":"Bearer"}"""),
        ["expires-in-null"] = e => ExpiresIn(e, "null"),
        ["expires-in-string"] = e => ExpiresIn(e, "\"3600\""),
        ["expires-in-bool"] = e => ExpiresIn(e, "true"),
        ["expires-in-object"] = e => ExpiresIn(e, """{"seconds":3600}"""),
        ["expires-in-negative"] = e => ExpiresIn(e, "-1"),
        ["expires-in-absurd"] = e => ExpiresIn(e, "1000000000000"),
        ["expires-in-overflows-double"] = e => ExpiresIn(e, "1e400"),
        // Unquoted, as a broken proxy might send it: the JSON reader's own message would quote it to the end of the body.
        ["access-token-unquoted"] = e => Responses.Json(HttpStatusCode.OK, $$"""{"access_token":{{e.TokenValue}},"token_type":"Bearer","expires_in":3600}"""),
        ["truncated-json"] = e => Responses.Json(HttpStatusCode.OK, Responses.TokenJson(e.TokenValue)[..^12]),
        ["trailing-garbage"] = e => Responses.Json(HttpStatusCode.OK, Responses.TokenJson(e.TokenValue) + "<html>"),
        ["invalid-utf8"] = e => Responses.Bytes(HttpStatusCode.OK, "application/json", [.. Responses.Utf8($"{{\"access_token\":\"{e.TokenValue}"), 0xC3, 0x28, .. Responses.Utf8("\",\"token_type\":\"Bearer\",\"expires_in\":3600}")]),
        ["over-64-kib-with-length"] = e => Responses.Bytes(HttpStatusCode.OK, "application/json", PaddedTokenJson(e.TokenValue, (64 * 1024) + 1)),
        ["over-64-kib-streamed"] = e => Responses.Streamed(HttpStatusCode.OK, "application/json", new EndlessStream(Responses.Utf8($"{{\"access_token\":\"{e.TokenValue}\",\"padding\":\""), (byte)'a')),
        ["connection-drops-mid-body"] = e => Responses.Streamed(HttpStatusCode.OK, "application/json", new BreakingStream(Responses.Utf8($"{{\"access_token\":\"{e.TokenValue}\",\"tok"))),
        ["body-never-finishes"] = e => Responses.Streamed(HttpStatusCode.OK, "application/json", new HangingStream(Responses.Utf8($"{{\"access_token\":\"{e.TokenValue}\","), e.SignalBlocked)),
    };

    public static IEnumerable<string> All => Cases.Keys;

    public static TheoryData<string> Names => [.. Cases.Keys];

    public static HttpResponseMessage Create(string name, TokenEndpoint endpoint) => Cases[name](endpoint);

    /// <summary>A valid token body padded with trailing whitespace (still valid JSON) to exactly <paramref name="length"/> bytes.</summary>
    public static byte[] PaddedTokenJson(string tokenValue, int length)
    {
        var json = Responses.Utf8(Responses.TokenJson(tokenValue));
        var body = new byte[length];
        Array.Fill(body, (byte)' ');
        json.CopyTo(body, 0);
        return body;
    }

    private static HttpResponseMessage ExpiresIn(TokenEndpoint e, string expiresInJson) =>
        Responses.Json(HttpStatusCode.OK, $$"""{"access_token":{{Responses.Quote(e.TokenValue)}},"token_type":"Bearer","expires_in":{{expiresInJson}}}""");
}
