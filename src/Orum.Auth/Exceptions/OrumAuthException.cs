namespace Orum.Auth;

/// <summary>
/// The base of every exception Orum.Auth throws: catch it to handle any failure to authenticate to Orum.
/// Messages never contain a client secret, a token or a request body.
/// </summary>
public class OrumAuthException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public OrumAuthException()
        : base("Authenticating to Orum failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    public OrumAuthException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do about it.</param>
    /// <param name="innerException">The cause.</param>
    public OrumAuthException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
