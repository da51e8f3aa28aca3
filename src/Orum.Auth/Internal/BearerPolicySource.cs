using Microsoft.Extensions.Options;

namespace Orum.Auth.Internal;

/// <summary>
/// The current <see cref="BearerPolicy"/> of one credential. Registered once per credential, it follows reloads of the
/// options, so every handler HttpClientFactory has built (and keeps for its lifetime) reads the new hosts, version and
/// replay setting at once: one volatile read per request, nothing allocated.
/// </summary>
/// <remarks>
/// The credential's <see cref="TokenCache"/> resolves this before it subscribes to the same reloads, so this one is told
/// first: by the time the cache drops the old token, the handler already sends tokens only to the new origins.
/// </remarks>
internal sealed class BearerPolicySource : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile BearerPolicy _current;

    /// <summary>A policy that never changes, for a handler created with fixed options.</summary>
    internal BearerPolicySource(OrumAuthOptions options, TimeProvider timeProvider) => _current = BearerPolicy.For(options, timeProvider);

    /// <summary>The policy of <paramref name="credential"/>, following reloads of its options.</summary>
    internal BearerPolicySource(IOptionsMonitor<OrumAuthOptions> options, string credential, TimeProvider timeProvider)
    {
        _current = BearerPolicy.For(options.Get(credential), timeProvider);
        _subscription = options.OnChange((changed, name) =>
        {
            if (string.Equals(name ?? Options.DefaultName, credential, StringComparison.Ordinal))
            {
                _current = BearerPolicy.For(changed, timeProvider);
            }
        });
    }

    internal BearerPolicy Current => _current;

    public void Dispose() => _subscription?.Dispose();
}
