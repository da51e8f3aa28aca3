namespace Orum.Auth;

/// <summary>
/// Implemented by an <see cref="IOrumTokenClient"/> that hands out tokens it keeps somewhere else as well (a store shared
/// by the replicas of a service): <see cref="TokenCache"/> tells it when Orum rejected one, so it never hands that token
/// out again and can remove it from where it keeps it.
/// </summary>
public interface IOrumTokenRejectionListener
{
    /// <summary>
    /// Called by <see cref="TokenCache.Invalidate"/>, before the cache requests a replacement, for every token reported as
    /// rejected (the same token may be reported several times). It must return quickly and never throw: do slow work,
    /// such as a network call, in the background.
    /// </summary>
    /// <param name="rejected">The token Orum answered with 401.</param>
    void OnTokenRejected(OrumAccessToken rejected);
}
