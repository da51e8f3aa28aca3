namespace Orum.Auth;

/// <summary>
/// The <c>error_code</c> values Orum documents. Compare <see cref="OrumApiException.ErrorCode"/> with these, never the
/// message text: Orum may change messages without notice.
/// </summary>
public static class OrumErrorCodes
{
    /// <summary><c>client_id</c> was not sent (400).</summary>
    public const string MissingClientId = "missing_client_id";

    /// <summary><c>client_id</c> was not a string (400).</summary>
    public const string InvalidClientId = "invalid_client_id";

    /// <summary><c>client_secret</c> was not sent (400).</summary>
    public const string MissingClientSecret = "missing_client_secret";

    /// <summary><c>client_secret</c> was not a string (400).</summary>
    public const string InvalidClientSecret = "invalid_client_secret";

    /// <summary>The token is missing, expired or unknown, or the credentials are wrong (401).</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>Orum's rate limit was hit (429); see <see cref="OrumApiException.RetryAfter"/>.</summary>
    public const string TooManyRequests = "too_many_requests";

    /// <summary>A Deliver or Verify call lacked the <c>Orum-Version</c> header (400).</summary>
    public const string VersionMissing = "version_missing";

    /// <summary>A Deliver or Verify call had an unknown <c>Orum-Version</c> (400).</summary>
    public const string VersionInvalid = "version_invalid";
}
