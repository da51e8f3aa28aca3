namespace Orum.Auth;

/// <summary>Hands out a valid access token, requesting one only when needed. <see cref="TokenCache"/> is the implementation.</summary>
public interface IOrumTokenProvider
{
    /// <summary>Gets a token that is valid for at least the expiry margin.</summary>
    /// <param name="cancellationToken">Stops this caller's wait; a shared request goes on for the others.</param>
    /// <returns>The token; already completed when a cached token is valid.</returns>
    /// <exception cref="OrumAuthException">No valid token could be had.</exception>
    ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default);

    /// <summary>Reports that Orum rejected <paramref name="rejected"/>; drops it if it is still the current token.</summary>
    /// <param name="rejected">The token Orum answered with 401.</param>
    void Invalidate(OrumAccessToken rejected);
}
