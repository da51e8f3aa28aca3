namespace Orum.Auth.Tests.TestSupport;

/// <summary>What the fake token endpoint received, copied before the client disposes the request.</summary>
public sealed class CapturedRequest
{
    private CapturedRequest(HttpMethod method, Uri? uri, string? contentType, string body, IReadOnlyDictionary<string, string[]> headers, DateTimeOffset receivedAt)
    {
        Method = method;
        Uri = uri;
        ContentType = contentType;
        Body = body;
        Headers = headers;
        ReceivedAt = receivedAt;
    }

    public HttpMethod Method { get; }

    public Uri? Uri { get; }

    /// <summary>The full Content-Type header value, parameters included (null when there is no body).</summary>
    public string? ContentType { get; }

    public string Body { get; }

    /// <summary>The request headers (not the content headers), by name, case-insensitive.</summary>
    public IReadOnlyDictionary<string, string[]> Headers { get; }

    /// <summary>The fake clock's time when the endpoint received the request.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Copies the request synchronously (the token request's body is in memory), so MockHttp sees failures at once.</summary>
    public static CapturedRequest Capture(HttpRequestMessage request, DateTimeOffset receivedAt)
    {
        var body = string.Empty;
        if (request.Content is not null)
        {
            using var reader = new StreamReader(request.Content.ReadAsStream());
            body = reader.ReadToEnd();
        }

        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        return new CapturedRequest(request.Method, request.RequestUri, request.Content?.Headers.ContentType?.ToString(), body, headers, receivedAt);
    }

    public string[] Header(string name) => Headers.TryGetValue(name, out var values) ? values : [];
}
