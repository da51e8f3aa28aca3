using System.Net.Http.Headers;

namespace Orum.Auth.Benchmarks.Support;

/// <summary>The baseline handler: the same two headers, from constants. No cache, no host check, no 401 replay.</summary>
internal sealed class ConstantHeadersHandler(string token) : DelegatingHandler
{
    private readonly AuthenticationHeaderValue _authorization = new("Bearer", token);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        request.Headers.TryAddWithoutValidation("Orum-Version", "v2022-09-21");
        return base.SendAsync(request, cancellationToken);
    }
}
