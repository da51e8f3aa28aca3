using System.Globalization;
using System.Net;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// A failed token request as the replicas share it: the kind of <see cref="OrumAuthException"/>, its status, Orum's error
/// code and whether Orum asked to wait, and until when no replica requests a token. Never the exception's message (it can
/// quote Orum's answer), a secret or a token.
/// </summary>
internal sealed record SharedFailure(string Kind, int Status, string? ErrorCode, TimeSpan? RetryAfter, bool IsTimeout, DateTimeOffset Until)
{
    internal const string ApiKind = "api";
    internal const string InvalidResponseKind = "invalid_response";
    internal const string NetworkKind = "network";
    internal const string OtherKind = "auth";

    // TokenCache's bounds on a cool-down: 5 s, or Orum's Retry-After up to Orum's documented 10-minute firewall block.
    internal static readonly TimeSpan MinCoolDown = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan MaxCoolDown = TimeSpan.FromMinutes(10);

    private const int MaxErrorCodeLength = 64;

    /// <summary>The failure to share for <paramref name="error"/>, or <see langword="null"/> when it is not a token request's failure.</summary>
    internal static SharedFailure? From(Exception error, DateTimeOffset now) => error switch
    {
        OrumApiException api when IsStatus((int)api.StatusCode) => new(
            ApiKind,
            (int)api.StatusCode,
            IsErrorCode(api.ErrorCode) ? api.ErrorCode : null,
            api.RetryAfter is { } wait ? Clamp(wait, TimeSpan.Zero, MaxCoolDown) : null,
            IsTimeout: false,
            now + CoolDownFor(api.RetryAfter)),
        OrumInvalidResponseException invalid when IsStatus((int)invalid.StatusCode) =>
            new(InvalidResponseKind, (int)invalid.StatusCode, null, null, IsTimeout: false, now + MinCoolDown),
        OrumNetworkException network => new(NetworkKind, 0, null, null, network.IsTimeout, now + MinCoolDown),
        OrumApiException or OrumInvalidResponseException => null,
        OrumAuthException => new(OtherKind, 0, null, null, IsTimeout: false, now + MinCoolDown),
        _ => null,
    };

    internal static bool IsKind(string? kind) => kind is ApiKind or InvalidResponseKind or NetworkKind or OtherKind;

    internal static bool IsStatus(int status) => status is >= 100 and <= 599;

    /// <summary>Orum's error codes are short snake_case words; anything else is not carried to other replicas.</summary>
    internal static bool IsErrorCode(string? code) =>
        code is { Length: > 0 and <= MaxErrorCodeLength } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    /// <summary>What a replica that reads the failure throws, with the part of Orum's wait that is left as its RetryAfter.</summary>
    internal OrumAuthException ToException(DateTimeOffset now)
    {
        var left = Until - now;
        TimeSpan? retryAfter = RetryAfter is null ? null : Clamp(left, TimeSpan.Zero, MaxCoolDown);
        var until = Until.ToString("O", CultureInfo.InvariantCulture);
        var message = retryAfter is not null
            ? $"Another replica of this service got {Describe()} from Orum's token endpoint, and Orum asked to wait: no replica requests a " +
              $"token before {until} (RetryAfter says how long that is)."
            : $"Another replica of this service got {Describe()} from Orum's token endpoint; the replicas share its cool-down, so none " +
              $"requests a token before {until}.";
        var status = (HttpStatusCode)Status;
        return Kind switch
        {
            ApiKind => status switch
            {
                HttpStatusCode.BadRequest => new OrumBadRequestException(message, ErrorCode, retryAfter: retryAfter),
                HttpStatusCode.Unauthorized => new OrumUnauthorizedException(message, ErrorCode, retryAfter: retryAfter),
                HttpStatusCode.Forbidden => new OrumForbiddenException(message, ErrorCode, retryAfter: retryAfter),
                HttpStatusCode.TooManyRequests => new OrumRateLimitedException(message, ErrorCode, retryAfter: retryAfter),
                _ => new OrumServerException(message, status, ErrorCode, retryAfter: retryAfter),
            },
            InvalidResponseKind => new OrumInvalidResponseException(message, status),
            NetworkKind => new OrumNetworkException(message, IsTimeout),
            _ => new OrumAuthException(message),
        };
    }

    /// <summary>For logs: "HTTP 429 (too_many_requests)", "a timeout", …</summary>
    internal string Describe() => Kind switch
    {
        ApiKind => ErrorCode is null
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP {Status}")
            : string.Create(CultureInfo.InvariantCulture, $"HTTP {Status} ({ErrorCode})"),
        InvalidResponseKind => string.Create(CultureInfo.InvariantCulture, $"an HTTP {Status} answer that is not a token"),
        NetworkKind => IsTimeout ? "no answer in time" : "a network failure",
        _ => "a failure",
    };

    private static TimeSpan CoolDownFor(TimeSpan? retryAfter) =>
        retryAfter is { } wait && wait > MinCoolDown ? (wait > MaxCoolDown ? MaxCoolDown : wait) : MinCoolDown;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
