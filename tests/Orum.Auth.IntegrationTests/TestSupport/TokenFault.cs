namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>What the token endpoint does to one request in the chaos and outage tests.</summary>
public enum TokenFault
{
    /// <summary>Answered normally: a token is issued.</summary>
    None,

    /// <summary>429 <c>too_many_requests</c> with <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>500 <c>internal_server_error</c>.</summary>
    ServerError,

    /// <summary>503 <c>service_unavailable</c>.</summary>
    ServiceUnavailable,

    /// <summary>The connection is closed without an answer.</summary>
    DropConnection,

    /// <summary>A 5-second wait on the shared clock, then a normal answer.</summary>
    Stall,

    /// <summary>200 with half a token body, then the connection closes.</summary>
    TruncatedBody,
}
