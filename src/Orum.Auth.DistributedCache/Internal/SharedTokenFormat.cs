using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// How a token is stored: small source-generated JSON, protected with Data Protection when the app has it. The
/// protector's purpose includes the entry's key, so an entry copied under another credential's key does not decrypt.
/// </summary>
internal sealed class SharedTokenFormat
{
    internal const string Purpose = "Orum.Auth.DistributedTokenCache.v1";

    // Orum documents one-hour tokens; anything far beyond a day is not a token this package wrote.
    private static readonly double MaxLifetimeSeconds = TimeSpan.FromDays(2).TotalSeconds;

    private readonly IDataProtector? _protector;

    internal SharedTokenFormat(IDataProtectionProvider? protection) => _protector = protection?.CreateProtector(Purpose);

    internal bool Encrypts => _protector is not null;

    internal byte[] Write(string key, OrumAccessToken token)
    {
        var entry = new SharedTokenEntry
        {
            Value = token.Value,
            TokenType = token.TokenType,
            ExpiresIn = token.ExpiresIn.TotalSeconds,
            IssuedAt = token.IssuedAt,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, SharedTokenJsonContext.Default.SharedTokenEntry);
        return _protector is null ? json : _protector.CreateProtector(key).Protect(json);
    }

    /// <summary>The token in <paramref name="stored"/>, or <see langword="null"/> when it cannot be decrypted or is not an entry.</summary>
    internal OrumAccessToken? TryRead(string key, byte[] stored)
    {
        try
        {
            var json = _protector is null ? stored : _protector.CreateProtector(key).Unprotect(stored);
            var entry = JsonSerializer.Deserialize(json, SharedTokenJsonContext.Default.SharedTokenEntry);
            if (entry is null
                || string.IsNullOrEmpty(entry.Value)
                || string.IsNullOrEmpty(entry.TokenType)
                || entry.ExpiresIn is not { } seconds
                || !(seconds >= 0 && seconds <= MaxLifetimeSeconds)
                || entry.IssuedAt is not { } issuedAt)
            {
                return null;
            }

            return new OrumAccessToken(entry.Value, entry.TokenType, TimeSpan.FromSeconds(seconds), issuedAt);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException or ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            return null;
        }
    }
}
