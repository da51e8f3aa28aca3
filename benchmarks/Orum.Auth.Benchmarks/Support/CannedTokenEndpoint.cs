using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Orum.Auth.Benchmarks.Support;

/// <summary>Orum's token endpoint in memory: drains the request body and answers with the documented token JSON.</summary>
internal sealed class CannedTokenEndpoint : HttpMessageHandler
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        $$"""{"access_token":"{{BenchmarkCredentials.TokenValue}}","token_type":"Bearer","expires_in":3600}""");

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content)
        {
            // A real server reads the body; so must the fake, or serializing it would not be measured.
            await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Body), RequestMessage = request };
        response.Content.Headers.ContentType = Json;
        return response;
    }
}
