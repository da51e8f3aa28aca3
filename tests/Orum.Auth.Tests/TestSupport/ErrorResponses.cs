using System.Net;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// Error bodies that are not Orum's JSON, by name: what proxies, load balancers and broken connections send. The HTML
/// page echoes the request (secret included) and the token, so a message that quoted the body would leak them.
/// </summary>
public static class ErrorResponses
{
    public const string BodyMarker = "BODY-MARKER-c0ffee";

    private static readonly Dictionary<string, Func<TokenEndpoint?, HttpStatusCode, HttpResponseMessage>> Cases = new(StringComparer.Ordinal)
    {
        ["html-page"] = (e, s) => Responses.Text(s, "text/html", $"<html><head><title>{BodyMarker}</title></head><body>nginx: you sent {e?.LastRequest.Body} {e?.TokenValue}</body></html>"),
        ["plain-text"] = (_, s) => Responses.Text(s, "text/plain", $"upstream connect error {BodyMarker}"),
        ["empty-body"] = (_, s) => Responses.Bytes(s, null, []),
        ["empty-json-body"] = (_, s) => Responses.Bytes(s, "application/json", []),
        ["truncated-json"] = (_, s) => Responses.Json(s, $$"""{"error_code":"unauthorized","message":"{{BodyMarker}}"""),
        ["json-without-error-code"] = (_, s) => Responses.Json(s, $$"""{"error":"{{BodyMarker}}","status":{{(int)s}}}"""),
        ["error-code-wrong-type"] = (_, s) => Responses.Json(s, $$"""{"error_code":42,"message":"{{BodyMarker}}"}"""),
        ["json-array"] = (_, s) => Responses.Json(s, $"[\"{BodyMarker}\"]"),
        ["connection-drops-mid-body"] = (_, s) => Responses.Streamed(s, "application/json", new BreakingStream(Responses.Utf8($"{{\"error_code\":\"{BodyMarker}"))),
        ["over-64-kib"] = (_, s) => Responses.Streamed(s, "text/html", new EndlessStream(Responses.Utf8($"<html>{BodyMarker}"))),
    };

    public static IEnumerable<string> All => Cases.Keys;

    public static TheoryData<string> Names => [.. Cases.Keys];

    public static HttpResponseMessage Create(string name, HttpStatusCode status, TokenEndpoint? endpoint = null) => Cases[name](endpoint, status);
}
