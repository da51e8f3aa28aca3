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
}
