using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Log messages of the distributed token cache, with fixed event ids (documented in the README), in the category
/// <c>Orum.Auth.DistributedTokenCache</c>. They carry the credential name and durations, never a key, secret or token.
/// </summary>
internal static partial class Log
{
    internal const string Category = "Orum.Auth.DistributedTokenCache";

    internal const int StoreFailedId = 101;
    internal const int StoreRecoveredId = 102;
    internal const int SharedTokenUsedId = 103;
    internal const int WaitingForOtherReplicaId = 104;
    internal const int OtherReplicaTooSlowId = 105;
    internal const int SharedTokenStoredId = 106;
    internal const int UnencryptedStorageId = 107;
    internal const int SharedFailureStoredId = 108;
    internal const int SharedFailureUsedId = 109;
    internal const int RejectedTokenForgottenId = 110;
    internal const int LockRenewedId = 111;
    internal const int LockLostId = 112;
    internal const int LockTakenOverId = 113;

    [LoggerMessage(StoreFailedId, LogLevel.Warning, "The shared token store ({Component}) failed for Orum credential '{Credential}': {Reason}. Tokens are requested from Orum directly until it works again; this is logged once per outage.", EventName = "DistributedStoreFailed")]
    internal static partial void StoreFailed(ILogger logger, string component, string credential, string reason, Exception? exception);

    [LoggerMessage(StoreRecoveredId, LogLevel.Information, "The shared token store ({Component}) works again for Orum credential '{Credential}'.", EventName = "DistributedStoreRecovered")]
    internal static partial void StoreRecovered(ILogger logger, string component, string credential);

    [LoggerMessage(SharedTokenUsedId, LogLevel.Debug, "Using the shared Orum access token of credential '{Credential}'; it expires at {ExpiresAt:O}.", EventName = "SharedTokenUsed")]
    internal static partial void SharedTokenUsed(ILogger logger, string credential, DateTimeOffset expiresAt);

    [LoggerMessage(
        WaitingForOtherReplicaId,
        LogLevel.Debug,
        "Another replica is requesting the Orum access token of credential '{Credential}'; waiting for it while it renews its lock, up to {Wait}.",
        EventName = "WaitingForOtherReplica")]
    internal static partial void WaitingForOtherReplica(ILogger logger, string credential, TimeSpan wait);

    [LoggerMessage(
        OtherReplicaTooSlowId,
        LogLevel.Information,
        "No replica shared an Orum access token of credential '{Credential}' within {Wait} (its TokenRequestTimeout) while the lock holder kept renewing; giving up for now.",
        EventName = "OtherReplicaTooSlow")]
    internal static partial void OtherReplicaTooSlow(ILogger logger, string credential, TimeSpan wait);

    [LoggerMessage(SharedTokenStoredId, LogLevel.Debug, "Shared the new Orum access token of credential '{Credential}' with the other replicas for {For}.", EventName = "SharedTokenStored")]
    internal static partial void SharedTokenStored(ILogger logger, string credential, TimeSpan @for);

    [LoggerMessage(UnencryptedStorageId, LogLevel.Information, "Orum access tokens of credential '{Credential}' are stored in the distributed cache in plain text (AllowUnencryptedStorage = true): register ASP.NET Core Data Protection to encrypt them.", EventName = "UnencryptedStorage")]
    internal static partial void UnencryptedStorage(ILogger logger, string credential);

    [LoggerMessage(
        SharedFailureStoredId,
        LogLevel.Debug,
        "Shared the failed Orum token request of credential '{Credential}' with the other replicas: none of them requests a token for {For}.",
        EventName = "SharedFailureStored")]
    internal static partial void SharedFailureStored(ILogger logger, string credential, TimeSpan @for);

    [LoggerMessage(
        SharedFailureUsedId,
        LogLevel.Debug,
        "Another replica's Orum token request of credential '{Credential}' failed ({Failure}); no request is sent for {Remaining}.",
        EventName = "SharedFailureUsed")]
    internal static partial void SharedFailureUsed(ILogger logger, string credential, string failure, TimeSpan remaining);

    [LoggerMessage(
        RejectedTokenForgottenId,
        LogLevel.Debug,
        "Forgot the Orum access token of credential '{Credential}' that Orum rejected: {Outcome}.",
        EventName = "RejectedTokenForgotten")]
    internal static partial void RejectedTokenForgotten(ILogger logger, string credential, string outcome);

    [LoggerMessage(
        LockRenewedId,
        LogLevel.Trace,
        "Renewed the Redis lock of Orum credential '{Credential}' for {For}: its token request is still in flight.",
        EventName = "LockRenewed")]
    internal static partial void LockRenewed(ILogger logger, string credential, TimeSpan @for);

    [LoggerMessage(
        LockLostId,
        LogLevel.Warning,
        "The Redis lock of Orum credential '{Credential}' expired or was taken over while this replica was requesting a token: " +
        "another replica may request one too. Is LockTimeout too short for the latency to Redis?",
        EventName = "LockLost")]
    internal static partial void LockLost(ILogger logger, string credential);

    [LoggerMessage(
        LockTakenOverId,
        LogLevel.Information,
        "The replica requesting the Orum access token of credential '{Credential}' has not renewed its lock for {Wait}; " +
        "this replica took the lock over and requests the token.",
        EventName = "LockTakenOver")]
    internal static partial void LockTakenOver(ILogger logger, string credential, TimeSpan wait);
}
