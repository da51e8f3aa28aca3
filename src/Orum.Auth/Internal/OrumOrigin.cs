using System.Buffers;
using System.Globalization;

namespace Orum.Auth.Internal;

/// <summary>
/// A scheme, host and port that may receive a credential's tokens. Hosts are kept in their ASCII form (IDN as punycode,
/// IPv6 without brackets, as <see cref="Uri.IdnHost"/> gives them) so that every spelling of one host matches.
/// </summary>
internal readonly record struct OrumOrigin(string Scheme, string Host, int Port)
{
    // What an entry may not hold: a scheme or path, user info, a query or fragment, an escape, a wildcard, white space.
    private static readonly SearchValues<char> NotInAHost = SearchValues.Create("/\\@?#%* \t");

    /// <summary>The origin of an absolute address.</summary>
    internal static OrumOrigin Of(Uri address) => new(address.Scheme, address.IdnHost, address.Port);

    /// <summary>
    /// Reads an <see cref="OrumAuthOptions.AdditionalAllowedHosts"/> entry: <c>host</c> or <c>host:port</c> (an IPv6
    /// address in brackets), always HTTPS, port 443 unless named. No scheme, path, query or user info.
    /// </summary>
    internal static bool TryParseHost(string? entry, out OrumOrigin origin)
    {
        origin = default;
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text) || text.EndsWith(':') || text.AsSpan().ContainsAny(NotInAHost))
        {
            return false;
        }

        if (!Uri.TryCreate($"https://{text}/", UriKind.Absolute, out var uri)
            || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || uri.Port is <= 0 or > 65535
            || uri.AbsolutePath != "/")
        {
            return false;
        }

        origin = Of(uri);
        return true;
    }

    /// <summary>Whether <paramref name="uri"/> (absolute) goes to this origin. Host names compare ignoring case.</summary>
    internal bool Matches(Uri uri) =>
        uri.Port == Port
        && string.Equals(uri.Scheme, Scheme, StringComparison.Ordinal)
        && string.Equals(uri.IdnHost, Host, StringComparison.OrdinalIgnoreCase);

    /// <summary><c>scheme://host:port</c>, IPv6 hosts in brackets.</summary>
    public override string ToString() => Describe(Scheme, Host, Port);

    internal static string Describe(Uri uri) => Describe(uri.Scheme, uri.IdnHost, uri.Port);

    private static string Describe(string scheme, string host, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{scheme}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
}
