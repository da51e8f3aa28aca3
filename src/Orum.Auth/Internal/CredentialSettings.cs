using Microsoft.Extensions.Options;

namespace Orum.Auth.Internal;

/// <summary>
/// One credential's current options, and the <see cref="BearerPolicy"/> worked out from them, swapped together in one
/// volatile write. Registered once per credential, it is where the token client, the cache and every bearer handler read
/// the options: all of them move to reloaded options at the same moment, in this order — this is told by the options
/// monitor, swaps, then tells the cache — and none of them follows a value the monitor hands out without saying so.
/// </summary>
/// <remarks>
/// Handlers read <see cref="Policy"/> on every request (one volatile read, nothing allocated), so the ones HttpClientFactory
/// has built and keeps for their lifetime use new hosts, version and replay setting at once.
/// </remarks>
internal sealed class CredentialSettings : IDisposable
{
    private readonly IDisposable? _subscription;
    private readonly object _gate = new();
    private readonly List<Action<OrumAuthOptions>> _listeners = [];
    private volatile BearerPolicy _current;

    /// <summary>Settings that never change, for a handler created with fixed options.</summary>
    internal CredentialSettings(OrumAuthOptions options, TimeProvider timeProvider) => _current = BearerPolicy.For(options, timeProvider);

    /// <summary>The settings of <paramref name="credential"/>, following reloads of its options.</summary>
    internal CredentialSettings(IOptionsMonitor<OrumAuthOptions> options, string credential, TimeProvider timeProvider)
    {
        _current = BearerPolicy.For(options.Get(credential), timeProvider);
        _subscription = options.OnChange((changed, name) =>
        {
            if (!string.Equals(name ?? Microsoft.Extensions.Options.Options.DefaultName, credential, StringComparison.Ordinal))
            {
                return;
            }

            Action<OrumAuthOptions>[] listeners;
            lock (_gate)
            {
                // Any reload of the configuration root comes here: one that leaves the credential and its hosts as they
                // were keeps the bound on 401-driven token requests where it was.
                var previous = _current;
                _current = BearerPolicy.For(changed, timeProvider, KeepsCause(previous.Options, changed) ? previous.Rejections : null);
                listeners = [.. _listeners];
            }

            foreach (var listener in listeners)
            {
                listener(changed);
            }
        });
    }

    private static bool KeepsCause(OrumAuthOptions before, OrumAuthOptions after) =>
        before.SameCredential(after) && before.AdditionalAllowedHosts.SequenceEqual(after.AdditionalAllowedHosts, StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the policy of the current options.</summary>
    internal BearerPolicy Policy => _current;

    /// <summary>Gets the current options.</summary>
    internal OrumAuthOptions Options => _current.Options;

    /// <summary>Calls <paramref name="listener"/> with the new options after each swap.</summary>
    internal IDisposable OnChange(Action<OrumAuthOptions> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    public void Dispose() => _subscription?.Dispose();

    private sealed class Subscription(CredentialSettings settings, Action<OrumAuthOptions> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (settings._gate)
            {
                settings._listeners.Remove(listener);
            }
        }
    }
}
