using System.Net;

namespace Orum.Auth.Internal;

/// <summary>Where a credential's requests go: the environment's hosts unless the options override them.</summary>
internal static class OrumHosts
{
    internal static readonly Uri SandboxApi = new("https://api-sandbox.orum.io/");
    internal static readonly Uri SandboxVault = new("https://vault.api-sandbox.orum.io/");
    internal static readonly Uri ProductionApi = new("https://api.orum.io/");

    internal static Uri ResolveApiBaseAddress(this OrumAuthOptions options) =>
        options.ApiBaseAddress ?? (options.Environment == OrumEnvironment.Production ? ProductionApi : SandboxApi);

    internal static Uri? ResolveVaultBaseAddress(this OrumAuthOptions options) =>
        options.VaultBaseAddress ?? (options.Environment == OrumEnvironment.Production ? null : SandboxVault);

    internal static Uri ResolveTokenEndpoint(this OrumAuthOptions options)
    {
        var api = options.ResolveApiBaseAddress();
        var baseWithSlash = api.AbsolutePath.EndsWith('/') ? api : new Uri(api.AbsoluteUri + "/");
        return new Uri(baseWithSlash, "oauth/token");
    }

    /// <summary>HTTPS anywhere; plain HTTP only to this machine (the emulator, tests).</summary>
    internal static bool IsSecureOrLoopback(Uri uri) =>
        uri.IsAbsoluteUri
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)));

    /// <summary>
    /// A loopback IP literal, or exactly <c>localhost</c> (System.Uri writes the host name <c>loopback</c> as
    /// <c>localhost</c>, and the request goes there).
    /// </summary>
    internal static bool IsLoopback(Uri uri) =>
        string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase)
        || (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            && IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address));
}
