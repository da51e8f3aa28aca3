using System.Net.Http.Headers;
using System.Reflection;

namespace Orum.Auth.Internal;

internal static class PackageInfo
{
    internal static readonly string Version = GetVersion();

    /// <summary><c>Orum.Auth/&lt;version&gt;</c>, sent as the token request's <c>User-Agent</c>.</summary>
    internal static readonly ProductInfoHeaderValue UserAgent = new("Orum.Auth", Version);

    private static string GetVersion()
    {
        var informational = typeof(PackageInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var version = informational?.Split('+')[0];
        return string.IsNullOrEmpty(version) ? "0.0.0" : version;
    }
}
