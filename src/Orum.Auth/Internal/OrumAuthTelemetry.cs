using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace Orum.Auth.Internal;

/// <summary>
/// The <c>Orum.Auth</c> meter and activity source. Every tag value comes from a small fixed set: no ids, no tokens,
/// no server-chosen strings beyond Orum's documented error codes.
/// </summary>
internal sealed class OrumAuthTelemetry
{
    internal const string Name = "Orum.Auth";
    internal const string TokenRequestActivityName = "Orum.Auth.RequestToken";

    internal static readonly ActivitySource ActivitySource = new(Name, PackageInfo.Version);

    /// <summary>Used where no <see cref="IMeterFactory"/> is available (the public constructors).</summary>
    internal static readonly OrumAuthTelemetry Shared = new(meterFactory: null);

    private static readonly HashSet<string> KnownErrorCodes = new(StringComparer.Ordinal)
    {
        OrumErrorCodes.MissingClientId, OrumErrorCodes.InvalidClientId, OrumErrorCodes.MissingClientSecret,
        OrumErrorCodes.InvalidClientSecret, OrumErrorCodes.Unauthorized, OrumErrorCodes.TooManyRequests,
        OrumErrorCodes.VersionMissing, OrumErrorCodes.VersionInvalid,
    };

    private readonly Counter<long> _tokenRequests;
    private readonly Histogram<double> _tokenRequestDuration;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _backgroundRefreshes;
    private readonly Counter<long> _unauthorizedReplays;

    internal OrumAuthTelemetry(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(new MeterOptions(Name) { Version = PackageInfo.Version }) ?? new Meter(Name, PackageInfo.Version);
        _tokenRequests = meter.CreateCounter<long>("orum.auth.token.requests", "{request}", "Token requests sent to Orum, by outcome.");
        _tokenRequestDuration = meter.CreateHistogram<double>("orum.auth.token.request.duration", "s", "Duration of token requests, retries included.");
        _cacheHits = meter.CreateCounter<long>("orum.auth.cache.hits", "{call}", "Token cache calls answered from the cache.");
        _backgroundRefreshes = meter.CreateCounter<long>("orum.auth.cache.background_refreshes", "{refresh}", "Background refreshes of a still-valid token, by outcome.");
        _unauthorizedReplays = meter.CreateCounter<long>("orum.auth.handler.unauthorized_replays", "{request}", "Requests sent again with a fresh token after Orum answered 401.");
    }

    internal bool CacheHitsEnabled => _cacheHits.Enabled;

    internal void CacheHit(string credential) => _cacheHits.Add(1, new KeyValuePair<string, object?>("orum.auth.credential", CredentialTag(credential)));

    internal void BackgroundRefresh(string credential, bool succeeded) => _backgroundRefreshes.Add(
        1,
        new KeyValuePair<string, object?>("orum.auth.credential", CredentialTag(credential)),
        new KeyValuePair<string, object?>("orum.auth.outcome", succeeded ? "success" : "failure"));

    internal void UnauthorizedReplay(string credential) => _unauthorizedReplays.Add(1, new KeyValuePair<string, object?>("orum.auth.credential", CredentialTag(credential)));

    internal void TokenRequest(string credential, TimeSpan duration, Exception? error)
    {
        var (outcome, statusClass, errorCode) = Describe(error);
        var tags = new TagList
        {
            { "orum.auth.credential", CredentialTag(credential) },
            { "orum.auth.outcome", outcome },
            { "orum.auth.status_class", statusClass },
            { "orum.auth.error_code", errorCode },
        };
        _tokenRequests.Add(1, tags);
        _tokenRequestDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Outcome, status class and error code, each from a fixed set of values.</summary>
    internal static (string Outcome, string StatusClass, string ErrorCode) Describe(Exception? error) => error switch
    {
        null => ("success", "2xx", "none"),
        OrumApiException api => ("error", StatusClass(api.StatusCode), BoundedErrorCode(api.ErrorCode)),
        OrumInvalidResponseException invalid => ("invalid_response", StatusClass(invalid.StatusCode), "none"),
        OrumNetworkException { IsTimeout: true } => ("timeout", "none", "none"),
        OrumNetworkException => ("network_error", "none", "none"),
        OperationCanceledException => ("cancelled", "none", "none"),
        _ => ("error", "none", "other"),
    };

    internal static string BoundedErrorCode(string? errorCode) =>
        errorCode is null ? "none" : KnownErrorCodes.Contains(errorCode) ? errorCode : "other";

    private static string StatusClass(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "other",
    };

    private static string CredentialTag(string credential) => string.IsNullOrEmpty(credential) ? "default" : credential;
}
