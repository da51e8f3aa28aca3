using Microsoft.Extensions.Logging;

namespace Orum.Auth.Testing;

/// <summary>Settings for an <see cref="OrumSandboxServer"/>.</summary>
public sealed class OrumSandboxOptions
{
    /// <summary>
    /// Gets or sets the client id the token endpoint accepts.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a random, made-up id such as <c>sandbox-client-1f3a…</c>.</value>
    public string? ClientId { get; set; }

    /// <summary>
    /// Gets or sets the client secret the token endpoint accepts.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a random, made-up secret.</value>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Gets or sets how long issued tokens live; it is sent as <c>expires_in</c> and enforced by the Deliver and Verify endpoints.
    /// </summary>
    /// <value>The default value is 3600 seconds, the lifetime Orum documents.</value>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>
    /// Gets or sets the clock used for token expiry, timestamps and <see cref="OrumSandboxFault.Delay"/>. Share a
    /// <c>FakeTimeProvider</c> with the client under test to control both.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Gets or sets where the server's ASP.NET Core logs go.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the server logs nothing.</value>
    public ILoggerFactory? LoggerFactory { get; set; }
}
