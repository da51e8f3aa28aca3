namespace Orum.Auth;

/// <summary>
/// The token endpoint could not be reached or did not answer in time: a connection failure, a timeout, or an open
/// circuit breaker after sustained failures. <see cref="Exception.InnerException"/> holds the cause.
/// </summary>
public sealed class OrumNetworkException : OrumAuthException
{
    /// <summary>Creates the exception, for example in a fake.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    /// <param name="isTimeout">Whether the request ran out of time.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OrumNetworkException(string message, bool isTimeout = false, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTimeout = isTimeout;
    }

    /// <summary>Gets whether the request ran out of time, as opposed to failing outright.</summary>
    public bool IsTimeout { get; }

    /// <summary>The one message for a token request that outlived <see cref="OrumAuthOptions.TokenRequestTimeout"/>.</summary>
    internal static OrumNetworkException TokenRequestTimedOut(string? host, TimeSpan timeout, Exception? innerException) => new(
        $"The Orum token request{(host is null ? string.Empty : $" to {host}")} did not complete within {Seconds(timeout)} s " +
        "(OrumAuthOptions.TokenRequestTimeout). Orum may be slow or unreachable; the request will be tried again later.",
        isTimeout: true,
        innerException);

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
