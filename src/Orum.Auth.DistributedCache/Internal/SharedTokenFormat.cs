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

    // A failure is shared for at most Orum's 10-minute block; the slack covers replicas whose clocks disagree a little.

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
        catch (Exception ex) when (IsUnreadable(ex))
        {
            return null;
        }
    }

    internal byte[] WriteFailure(string key, SharedFailure failure)
    {
        var entry = new SharedFailureEntry
        {
            Kind = failure.Kind,
            Status = failure.Status,
            ErrorCode = failure.ErrorCode,
            RetryAfter = failure.RetryAfter?.TotalSeconds,
            Timeout = failure.IsTimeout,
            Until = failure.Until,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, SharedTokenJsonContext.Default.SharedFailureEntry);
        return _protector is null ? json : _protector.CreateProtector(key).Protect(json);
    }

    /// <summary>How far apart replicas' clocks may be for a shared failure's end still to be believed.</summary>
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The failure in <paramref name="stored"/>: <see cref="FailureRead.Failure"/> while it lasts, neither when it is over,
    /// <see cref="FailureRead.Corrupt"/> when it cannot be decrypted or is not an entry this package writes.
    /// </summary>
    internal FailureRead TryReadFailure(string key, byte[] stored, DateTimeOffset now)
    {
        SharedFailureEntry? entry;
        try
        {
            var json = _protector is null ? stored : _protector.CreateProtector(key).Unprotect(stored);
            entry = JsonSerializer.Deserialize(json, SharedTokenJsonContext.Default.SharedFailureEntry);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            return new FailureRead(null, Corrupt: true);
        }

        if (entry is not { Kind: { } kind, Until: { } until } || !IsFailure(entry))
        {
            return new FailureRead(null, Corrupt: true);
        }

        if (until <= now)
        {
            return new FailureRead(null, Corrupt: false);
        }

        // An end somewhat further than any cool-down comes from a writer whose clock runs ahead of this replica's: in force
        // for a cool-down from now, never deleted for the fleet as if it were corrupt. Only one beyond any clock skew is.
        if (until > now + SharedFailure.MaxCoolDown + MaxClockSkew)
        {
            return new FailureRead(null, Corrupt: true);
        }

        if (until > now + SharedFailure.MaxCoolDown)
        {
            until = now + SharedFailure.MaxCoolDown;
        }

        var retryAfter = entry.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return new FailureRead(new SharedFailure(kind, entry.Status ?? 0, entry.ErrorCode, retryAfter, entry.Timeout == true, until), Corrupt: false);
    }

    private static bool IsFailure(SharedFailureEntry entry) =>
        SharedFailure.IsKind(entry.Kind)
        && (entry.Kind is not (SharedFailure.ApiKind or SharedFailure.InvalidResponseKind) || SharedFailure.IsStatus(entry.Status ?? 0))
        && (entry.ErrorCode is null || SharedFailure.IsErrorCode(entry.ErrorCode))
        && entry.RetryAfter is null or (>= 0 and <= 3600);

    private static bool IsUnreadable(Exception ex) =>
        ex is System.Security.Cryptography.CryptographicException or JsonException or ArgumentException or FormatException
            or OverflowException or InvalidOperationException;
}

/// <summary>A shared failure read from the store: the failure while it lasts, or whether the entry was unreadable.</summary>
internal readonly record struct FailureRead(SharedFailure? Failure, bool Corrupt);
