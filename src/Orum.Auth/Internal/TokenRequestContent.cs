using System.Net;

namespace Orum.Auth.Internal;

/// <summary>
/// The body of a token request, client secret included, that refuses to be written for any URI but the token endpoint.
/// A transport that follows a 307 or 308 changes the request's URI and sends the same body again: whatever the transport
/// (a handler Orum.Auth cannot inspect, an <c>HttpClient</c> built by hand), the secret is not written to the host the
/// redirect names. The last handler of the token pipeline binds it to the request that reaches the transport.
/// </summary>
internal sealed class TokenRequestContent : HttpContent
{
    private readonly byte[] _body;
    private HttpRequestMessage? _request;
    private Uri? _destination;

    internal TokenRequestContent(byte[] body, string mediaType)
    {
        _body = body;
        Headers.TryAddWithoutValidation("Content-Type", mediaType); // a constant: no need to parse it
    }

    /// <summary>From now on the body is written only while <paramref name="request"/> still goes where it goes now.</summary>
    internal void BindTo(HttpRequestMessage request)
    {
        _request = request;
        _destination = request.RequestUri;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        EnsureStillToTheEndpoint();
        return stream.WriteAsync(_body, cancellationToken).AsTask();
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        EnsureStillToTheEndpoint();
        stream.Write(_body);
    }

    protected override Task<Stream> CreateContentReadStreamAsync()
    {
        EnsureStillToTheEndpoint();
        return Task.FromResult<Stream>(new MemoryStream(_body, writable: false));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }

    private void EnsureStillToTheEndpoint()
    {
        if (_request?.RequestUri is { } now && _destination is not null && now != _destination)
        {
            throw new RedirectRefusedException(
                $"Refused to send the Orum client secret to {(now.IsAbsoluteUri ? OrumOrigin.Describe(now) : "another address")}: the token " +
                "client's transport followed a redirect from the token endpoint. Give the token HttpClient a handler that does not " +
                "follow redirects (SocketsHttpHandler or HttpClientHandler with AllowAutoRedirect = false).");
        }
    }

    /// <summary>The transport followed a redirect with the token request; the body was not written.</summary>
    /// <remarks><see cref="OrumAuthClient"/> reports it as an <see cref="OrumAuthException"/> with the same message.</remarks>
    internal sealed class RedirectRefusedException(string message) : Exception(message);
}
