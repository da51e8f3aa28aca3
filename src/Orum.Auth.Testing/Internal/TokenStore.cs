using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Orum.Auth.Testing.Internal;

/// <summary>The tokens the sandbox has issued and when each expires, on the sandbox's clock.</summary>
internal sealed class TokenStore(TimeSpan lifetime, TimeProvider timeProvider)
{
    // Expired tokens are swept when this many are held, so a long-running sandbox does not grow without bound.
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);

    internal TimeSpan Lifetime { get; } = lifetime;

    /// <summary>Issues an opaque token: 32 random bytes, base64url. It expires <see cref="Lifetime"/> from now.</summary>
    internal string Issue()
    {
        if (_expiries.Count >= SweepThreshold)
        {
            Sweep();
        }

        var token = NewOpaqueToken();
        _expiries[token] = timeProvider.GetUtcNow() + Lifetime;
        return token;
    }

    internal bool IsValid(string token) =>
        _expiries.TryGetValue(token, out var expiresAt) && timeProvider.GetUtcNow() < expiresAt;

    internal void RevokeAll() => _expiries.Clear();

    internal static string NewOpaqueToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (token, expiresAt) in _expiries)
        {
            if (expiresAt <= now)
            {
                _expiries.TryRemove(token, out _);
            }
        }
    }
}
