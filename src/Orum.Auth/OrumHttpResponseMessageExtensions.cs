using Orum.Auth.Internal;

namespace Orum.Auth;

/// <summary>Maps Orum error responses from Deliver and Verify calls to the same typed exceptions as token requests.</summary>
public static class OrumHttpResponseMessageExtensions
{
    /// <summary>
    /// Returns when the response is a success; otherwise throws the <see cref="OrumApiException"/> for its status, with
    /// Orum's <c>error_code</c>, <c>message</c> and <c>details</c> when the body is Orum's error JSON.
    /// </summary>
    /// <remarks>
    /// The bearer token of <see cref="HttpResponseMessage.RequestMessage"/> (its <c>Authorization</c> header) is masked
    /// (<c>***</c>) in everything the exception quotes or keeps of the response, should the server have echoed it.
    /// </remarks>
    /// <param name="response">A response from a Deliver or Verify call.</param>
    /// <param name="cancellationToken">Cancels reading the error body.</param>
    /// <returns>A task that completes when the response is a success.</returns>
    /// <exception cref="OrumApiException">The response has an error status; the subclass names it.</exception>
    public static Task EnsureOrumSuccessAsync(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.IsSuccessStatusCode ? Task.CompletedTask : ThrowAsync(response, cancellationToken);

        static async Task ThrowAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var operation = response.RequestMessage is { RequestUri: { } uri } request
                ? $"{request.Method} {uri.AbsolutePath}"
                : "The Orum request";
            var text = ServerText.MaskingAuthorization(response.RequestMessage);
            throw await OrumErrorMapper.CreateAsync(response, operation, TimeProvider.System, text, cancellationToken, cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
