namespace Orum.Auth.Internal;

internal static class OrumAuthOptionsExtensions
{
    internal static OrumAuthOptions Clone(this OrumAuthOptions options)
    {
        var copy = new OrumAuthOptions
        {
            ClientId = options.ClientId,
            ClientSecret = options.ClientSecret,
            Environment = options.Environment,
            ApiBaseAddress = options.ApiBaseAddress,
            VaultBaseAddress = options.VaultBaseAddress,
            TokenRequestFormat = options.TokenRequestFormat,
            RefreshBeforeExpiry = options.RefreshBeforeExpiry,
            ExpiryMargin = options.ExpiryMargin,
            TokenRequestTimeout = options.TokenRequestTimeout,
            ApiVersion = options.ApiVersion,
            RetryOnUnauthorized = options.RetryOnUnauthorized,
        };
        foreach (var host in options.AdditionalAllowedHosts)
        {
            copy.AdditionalAllowedHosts.Add(host);
        }

        return copy;
    }

    /// <summary>Whether two settings would mint different tokens: if so, a cached token must be dropped.</summary>
    internal static bool SameCredential(this OrumAuthOptions a, OrumAuthOptions b) =>
        string.Equals(a.ClientId, b.ClientId, StringComparison.Ordinal)
        && string.Equals(a.ClientSecret, b.ClientSecret, StringComparison.Ordinal)
        && a.ResolveApiBaseAddress() == b.ResolveApiBaseAddress()
        && a.ResolveVaultBaseAddress() == b.ResolveVaultBaseAddress();
}
