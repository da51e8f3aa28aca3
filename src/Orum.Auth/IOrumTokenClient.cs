namespace Orum.Auth;

/// <summary>Requests a new access token from Orum. Every call is a request; caching is <see cref="IOrumTokenProvider"/>'s job.</summary>
public interface IOrumTokenClient
{
    /// <summary>Requests a new access token.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The token Orum issued.</returns>
    /// <exception cref="OrumAuthException">Orum refused, failed, or answered with something that is not a token.</exception>
    Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default);
}
