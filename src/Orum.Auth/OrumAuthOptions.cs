using System.Globalization;
using Orum.Auth.Internal;

namespace Orum.Auth;

/// <summary>
/// Settings for one Orum API credential: who it is, where it talks, and how its tokens are cached.
/// </summary>
/// <remarks>
/// Bind it from configuration with <c>services.AddOrumAuth(configuration.GetSection("Orum"))</c> or set it in code.
/// <see cref="ToString"/> never shows <see cref="ClientSecret"/>, nor a user name or password in an address.
/// </remarks>
public sealed class OrumAuthOptions
{
    /// <summary>The <c>Orum-Version</c> this release of the package is written against.</summary>
    public const string DefaultApiVersion = "v2022-09-21";

    /// <summary>
    /// Gets or sets the client id of the API credential.
    /// </summary>
    /// <value>The default value is <see langword="null"/>; it is required.</value>
    public string? ClientId { get; set; }

    /// <summary>
    /// Gets or sets the client secret of the API credential. It is never logged or shown.
    /// </summary>
    /// <value>The default value is <see langword="null"/>; it is required.</value>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Gets or sets the Orum environment, which selects the API and vault hosts.
    /// </summary>
    /// <value>The default value is <see cref="OrumEnvironment.Sandbox"/>.</value>
    public OrumEnvironment Environment { get; set; } = OrumEnvironment.Sandbox;

    /// <summary>
    /// Gets or sets the API base address, overriding the one of <see cref="Environment"/>.
    /// It must be absolute and HTTPS (plain HTTP is accepted only for loopback hosts, such as the emulator), without a
    /// user name or password.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the environment's API host.</value>
    public Uri? ApiBaseAddress { get; set; }

    /// <summary>
    /// Gets or sets the vault base address, overriding the one of <see cref="Environment"/>.
    /// Orum does not document a production vault host, so set it when you call the vault in production. The rules of
    /// <see cref="ApiBaseAddress"/> apply.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the environment's vault host, if it has one.</value>
    public Uri? VaultBaseAddress { get; set; }

    /// <summary>
    /// Gets or sets how the token request body is encoded.
    /// </summary>
    /// <value>The default value is <see cref="OrumTokenRequestFormat.Json"/>.</value>
    public OrumTokenRequestFormat TokenRequestFormat { get; set; } = OrumTokenRequestFormat.Json;

    /// <summary>
    /// Gets or sets how long before a token expires a background refresh starts, while the current token stays in use.
    /// For tokens that live less than twice this, the refresh starts at half of their lifetime.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long before a token expires it stops being handed out; callers then wait for a fresh one.
    /// It is capped at 10 % of a token's lifetime.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan ExpiryMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the upper bound on one token acquisition, retries included. Waiting callers are released with a
    /// typed exception when it passes, even if the token endpoint never answers.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan TokenRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the value of the <c>Orum-Version</c> header put on Deliver and Verify requests that lack one.
    /// </summary>
    /// <value>The default value is <c>"v2022-09-21"</c>; <see langword="null"/> or empty sends no header.</value>
    public string? ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>
    /// Gets or sets whether a request that Orum answers with 401 is sent once more with a fresh token.
    /// Either way the refused token is dropped, so the next request gets a fresh one.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RetryOnUnauthorized { get; set; } = true;

    /// <summary>
    /// Gets the host names, besides the API and vault hosts, that may receive this credential's tokens.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> AdditionalAllowedHosts { get; } = [];

    /// <summary>Describes the options without the client secret, and without any user name or password in the address.</summary>
    /// <returns>A description that is safe to log, even for options that were never validated.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"OrumAuthOptions {{ Environment = {Environment}, ApiBaseAddress = {WithoutUserInfo(this.ResolveApiBaseAddress())}, "
        + $"ClientId = {ClientId ?? "(not set)"}, ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(not set)" : "(set)")}, "
        + $"TokenRequestFormat = {TokenRequestFormat}, ApiVersion = {ApiVersion} }}");

    // Validation refuses user:password@, but ToString must be safe for any options, and a relative address (which
    // validation also refuses) can hold one too: "//user:password@host/".
    private static string WithoutUserInfo(Uri address)
    {
        if (!address.IsAbsoluteUri)
        {
            var text = address.OriginalString;
            return text[(text.LastIndexOf('@') + 1)..];
        }

        return address.UserInfo.Length == 0
            ? address.ToString()
            : address.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
    }
}
