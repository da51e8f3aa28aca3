namespace Orum.Auth.Internal;

/// <summary>
/// What the bearer handler reads of a credential's options on every request, worked out once per options instance:
/// the origins that may receive the token, the <c>Orum-Version</c> to add, whether a 401 is replayed, and the bound on
/// the token requests 401s may cause.
/// </summary>
internal sealed class BearerPolicy
{
    private readonly OrumOrigin[] _origins;

    private BearerPolicy(OrumAuthOptions options, TimeProvider timeProvider, UnauthorizedBackoff? rejections)
    {
        List<OrumOrigin> origins = [];
        foreach (var address in (ReadOnlySpan<Uri?>)[options.ResolveApiBaseAddress(), options.ResolveVaultBaseAddress()])
        {
            // Validation refuses the rest; an address that slipped past it (plain HTTP to another machine) gets nothing.
            if (address is not null && OrumHosts.IsSecureOrLoopback(address))
            {
                origins.Add(OrumOrigin.Of(address));
            }
        }

        foreach (var entry in options.AdditionalAllowedHosts)
        {
            // An entry that is no origin was refused by validation; one that slipped past it matches nothing.
            if (OrumOrigin.TryParseHost(entry, out var origin))
            {
                origins.Add(origin);
            }
        }

        _origins = [.. origins.Distinct()];
        Allowed = string.Join(", ", _origins);
        ApiVersion = string.IsNullOrEmpty(options.ApiVersion) ? null : options.ApiVersion;
        RetryOnUnauthorized = options.RetryOnUnauthorized;
        Rejections = rejections ?? new UnauthorizedBackoff(timeProvider);
        Options = options;
    }

    /// <summary>Gets the options this policy was worked out from.</summary>
    internal OrumAuthOptions Options { get; }

    /// <summary>Gets the allowed origins, for messages.</summary>
    internal string Allowed { get; }

    /// <summary>Gets the <c>Orum-Version</c> to put on requests without one, or <see langword="null"/> for none.</summary>
    internal string? ApiVersion { get; }

    /// <summary>Gets whether a 401 is sent once more with a fresh token.</summary>
    internal bool RetryOnUnauthorized { get; }

    /// <summary>Gets the bound on 401-driven token requests; a new credential or new hosts (which may fix the cause) start it afresh.</summary>
    internal UnauthorizedBackoff Rejections { get; }

    internal static BearerPolicy For(OrumAuthOptions options, TimeProvider timeProvider, UnauthorizedBackoff? rejections = null) =>
        new(options, timeProvider, rejections);

    /// <summary>
    /// Whether the token may go to <paramref name="uri"/> (absolute): the scheme, host and port of one allowed origin.
    /// The only plain-HTTP origins are loopback API or vault addresses, so matching the scheme is the TLS check.
    /// </summary>
    internal bool Allows(Uri uri)
    {
        foreach (var origin in _origins)
        {
            if (origin.Matches(uri))
            {
                return true;
            }
        }

        return false;
    }
}
