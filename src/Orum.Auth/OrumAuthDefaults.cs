namespace Orum.Auth;

/// <summary>Names and values Orum.Auth uses by default.</summary>
public static class OrumAuthDefaults
{
    /// <summary>The configuration section <c>AddOrumAuth</c> users conventionally bind: <c>"Orum"</c>.</summary>
    public const string ConfigurationSection = "Orum";

    /// <summary>The prefix of the named <see cref="HttpClient"/> that sends token requests: <c>"Orum.Auth.TokenClient"</c>.</summary>
    public const string TokenHttpClientName = "Orum.Auth.TokenClient";

    /// <summary>Gets the name of the token <see cref="HttpClient"/> of a credential.</summary>
    /// <param name="credentialName">The credential name given to <c>AddOrumAuth</c>; empty for the default credential.</param>
    /// <returns><see cref="TokenHttpClientName"/>, followed by <c>:</c> and the credential name for named credentials.</returns>
    public static string GetTokenHttpClientName(string? credentialName) =>
        string.IsNullOrEmpty(credentialName) ? TokenHttpClientName : $"{TokenHttpClientName}:{credentialName}";
}
