using System.Security.Cryptography;
using System.Text;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>The key of a credential's shared token: a fingerprint of everything that decides which token Orum mints.</summary>
internal static class TokenCacheKey
{
    internal const string LockSuffix = ":lock";

    /// <summary>A failed request's cool-down, shared under the token's key with this suffix (same fingerprint, never a secret).</summary>
    internal const string FailureSuffix = ":failure";

    /// <summary>
    /// <paramref name="prefix"/> + <c>token:</c> + SHA-256 (upper-case hex) of the environment, API base address, client id and the
    /// SHA-256 of the secret. A new secret, id or host gives a new key, so a rotated credential never reads a token minted
    /// with the old pair, and the secret itself never reaches the store.
    /// </summary>
    internal static string Create(string prefix, OrumAuthOptions options)
    {
        var secretHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(options.ClientSecret ?? string.Empty)));

        // Only the client id may hold a line break, and it sits between fixed-shape fields: the encoding is unambiguous.
        var fingerprint = string.Join('\n', options.Environment.ToString(), options.ApiBaseAddress?.AbsoluteUri ?? string.Empty, options.ClientId ?? string.Empty, secretHash);
        return prefix + "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));
    }
}
