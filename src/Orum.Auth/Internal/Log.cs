using Microsoft.Extensions.Logging;

namespace Orum.Auth.Internal;

/// <summary>
/// Every log message Orum.Auth writes, with fixed event ids (documented in the README). Messages carry the credential
/// name, hosts, statuses and durations, never a client secret or a token.
/// </summary>
internal static partial class Log
{
    internal const int TokenRequestedId = 1;
    internal const int TokenAcquiredId = 2;
    internal const int TokenRequestFailedId = 3;
    internal const int BackgroundRefreshStartedId = 4;
    internal const int BackgroundRefreshSucceededId = 5;
    internal const int BackgroundRefreshFailedId = 6;
    internal const int CoolDownStartedId = 7;
    internal const int UnauthorizedReplayId = 8;
    internal const int HostRefusedId = 9;
    internal const int CredentialsRotatedId = 10;
    internal const int ShortLivedTokenId = 11;
    internal const int ReplaySkippedId = 12;
    internal const int CoolDownActiveId = 13;
    internal const int RedirectedRequestResentId = 14;
    internal const int UnauthorizedPersistsId = 15;

    [LoggerMessage(TokenRequestedId, LogLevel.Debug, "Requesting an Orum access token for credential '{Credential}' from {Host} ({Format}).", EventName = "TokenRequested")]
    internal static partial void TokenRequested(ILogger logger, string credential, string host, OrumTokenRequestFormat format);

    [LoggerMessage(TokenAcquiredId, LogLevel.Information, "Acquired an Orum access token for credential '{Credential}'; it expires in {ExpiresIn} (request took {DurationMs:F0} ms).", EventName = "TokenAcquired")]
    internal static partial void TokenAcquired(ILogger logger, string credential, TimeSpan expiresIn, double durationMs);

    [LoggerMessage(TokenRequestFailedId, LogLevel.Warning, "The Orum token request for credential '{Credential}' failed after {DurationMs:F0} ms: status {Status}, error code {ErrorCode}.", EventName = "TokenRequestFailed")]
    internal static partial void TokenRequestFailed(ILogger logger, string credential, double durationMs, int? status, string? errorCode, Exception exception);

    [LoggerMessage(BackgroundRefreshStartedId, LogLevel.Debug, "Refreshing the Orum access token for credential '{Credential}' in the background; the current token expires at {ExpiresAt:O}.", EventName = "BackgroundRefreshStarted")]
    internal static partial void BackgroundRefreshStarted(ILogger logger, string credential, DateTimeOffset expiresAt);

    [LoggerMessage(BackgroundRefreshSucceededId, LogLevel.Debug, "Background refresh for credential '{Credential}' succeeded; the new token expires at {ExpiresAt:O}.", EventName = "BackgroundRefreshSucceeded")]
    internal static partial void BackgroundRefreshSucceeded(ILogger logger, string credential, DateTimeOffset expiresAt);

    [LoggerMessage(BackgroundRefreshFailedId, LogLevel.Warning, "Background refresh for credential '{Credential}' failed; the current token stays in use until {UsableUntil:O} and the next attempt is in {RetryIn}.", EventName = "BackgroundRefreshFailed")]
    internal static partial void BackgroundRefreshFailed(ILogger logger, string credential, DateTimeOffset usableUntil, TimeSpan retryIn, Exception exception);

    [LoggerMessage(CoolDownStartedId, LogLevel.Warning, "No Orum access token for credential '{Credential}': callers get the same error for {CoolDown} without new requests, so Orum is not hammered.", EventName = "CoolDownStarted")]
    internal static partial void CoolDownStarted(ILogger logger, string credential, TimeSpan coolDown);

    [LoggerMessage(CoolDownActiveId, LogLevel.Trace, "Token request for credential '{Credential}' answered from the cool-down ({Remaining} left).", EventName = "CoolDownActive")]
    internal static partial void CoolDownActive(ILogger logger, string credential, TimeSpan remaining);

    [LoggerMessage(UnauthorizedReplayId, LogLevel.Information, "Orum answered 401 to {Method} {Host}; sending it once more with a new token.", EventName = "UnauthorizedReplay")]
    internal static partial void UnauthorizedReplay(ILogger logger, string method, string host);

    [LoggerMessage(ReplaySkippedId, LogLevel.Information, "Orum answered 401 to {Method} {Host}; not sending it again because {Reason}.", EventName = "UnauthorizedReplaySkipped")]
    internal static partial void ReplaySkipped(ILogger logger, string method, string host, string reason);

    [LoggerMessage(
        RedirectedRequestResentId,
        LogLevel.Debug,
        "Orum answered 401 to {Method} {Host}, a redirect target the request reached without its token; sending it there once more with the token.",
        EventName = "RedirectedRequestResent")]
    internal static partial void RedirectedRequestResent(ILogger logger, string method, string host);

    [LoggerMessage(
        UnauthorizedPersistsId,
        LogLevel.Warning,
        "Orum answered 401 for credential '{Credential}' to {Method} {Host} with a token issued moments before, so a new token will not help: " +
        "401s now go back to the caller at once, and the next token request for one is in {Window} (the wait doubles, up to 10 minutes, " +
        "while this goes on). Likely causes: a token for the other Orum environment (check Environment and ApiBaseAddress), " +
        "a gateway in AdditionalAllowedHosts that rejects Orum's tokens, or a permission Orum reports as 401.",
        EventName = "UnauthorizedPersists")]
    internal static partial void UnauthorizedPersists(ILogger logger, string credential, string method, string host, TimeSpan window);

    [LoggerMessage(HostRefusedId, LogLevel.Warning, "Refused to send an Orum token to {Origin}: it is not an allowed Orum origin.", EventName = "HostRefused")]
    internal static partial void HostRefused(ILogger logger, string origin);

    [LoggerMessage(CredentialsRotatedId, LogLevel.Information, "The settings of credential '{Credential}' changed; the cached token was dropped and the next call uses the new credentials.", EventName = "CredentialsRotated")]
    internal static partial void CredentialsRotated(ILogger logger, string credential);

    [LoggerMessage(ShortLivedTokenId, LogLevel.Warning, "Orum issued a token for credential '{Credential}' that lives only {ExpiresIn}; every burst of calls will need a new one.", EventName = "ShortLivedToken")]
    internal static partial void ShortLivedToken(ILogger logger, string credential, TimeSpan expiresIn);
}
