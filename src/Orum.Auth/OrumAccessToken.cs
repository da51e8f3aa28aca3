using System.Globalization;
using System.Net.Http.Headers;

namespace Orum.Auth;

/// <summary>
/// An access token issued by Orum's <c>POST /oauth/token</c>. <see cref="ToString"/> never shows <see cref="Value"/>.
/// </summary>
public sealed class OrumAccessToken
{
    private AuthenticationHeaderValue? _authorization;

    /// <summary>Creates a token, for example in a fake <see cref="IOrumTokenClient"/>.</summary>
    /// <param name="value">The token itself, sent as <c>Authorization: Bearer &lt;value&gt;</c>.</param>
    /// <param name="tokenType">The token type Orum returned; always <c>Bearer</c> today.</param>
    /// <param name="expiresIn">The lifetime Orum returned in <c>expires_in</c>.</param>
    /// <param name="issuedAt">When the token request was sent; the lifetime counts from here.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> or <paramref name="tokenType"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expiresIn"/> is negative.</exception>
    public OrumAccessToken(string value, string tokenType, TimeSpan expiresIn, DateTimeOffset issuedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        ArgumentException.ThrowIfNullOrEmpty(tokenType);
        ArgumentOutOfRangeException.ThrowIfLessThan(expiresIn, TimeSpan.Zero);

        Value = value;
        TokenType = tokenType;
        ExpiresIn = expiresIn;
        IssuedAt = issuedAt;
        ExpiresAt = issuedAt + expiresIn;
    }

    /// <summary>Gets the token. Treat it as a secret: never log it.</summary>
    public string Value { get; }

    /// <summary>Gets the token type Orum returned (<c>Bearer</c>).</summary>
    public string TokenType { get; }

    /// <summary>Gets the lifetime Orum returned in <c>expires_in</c>.</summary>
    public TimeSpan ExpiresIn { get; }

    /// <summary>Gets when the token request was sent.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>Gets when the token expires: <see cref="IssuedAt"/> + <see cref="ExpiresIn"/>.</summary>
    public DateTimeOffset ExpiresAt { get; }

    // Built once per token and shared by every request that carries it: the handler adds no allocation per request.
    internal AuthenticationHeaderValue AuthorizationHeader => _authorization ??= new AuthenticationHeaderValue("Bearer", Value);

    /// <summary>Describes the token without its value.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"OrumAccessToken {{ TokenType = {TokenType}, IssuedAt = {IssuedAt:O}, ExpiresAt = {ExpiresAt:O} }}");
}
