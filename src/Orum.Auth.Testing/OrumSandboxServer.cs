using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orum.Auth.Testing.Internal;

namespace Orum.Auth.Testing;

/// <summary>
/// A local Orum: a real HTTP server on 127.0.0.1 (an ephemeral port) that serves <c>POST /oauth/token</c> as Orum's spec
/// declares it, plus <c>GET /deliver/balance</c>, <c>GET</c>/<c>POST /deliver/persons</c> and <c>POST /verify/accounts</c>
/// behind Orum's token and <c>Orum-Version</c> checks. Test controls: token request counts, queued faults, a fault source, revocation,
/// credential rotation and a shared <see cref="System.TimeProvider"/>.
/// </summary>
/// <example>
/// <code>
/// await using var server = await OrumSandboxServer.StartAsync();
/// services.AddOrumAuth(options =&gt; server.ConfigureFor(options));
/// services.AddHttpClient&lt;DeliverClient&gt;(c =&gt; c.BaseAddress = server.BaseAddress).AddOrumBearerTokenHandler();
/// </code>
/// </example>
public sealed class OrumSandboxServer : IAsyncDisposable
{
    // Handlers never outlive a stop (their waits end with it), so this bounds only a stuck client connection.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly SandboxState _state;
    private int _disposed;

    private OrumSandboxServer(WebApplication app, SandboxState state, Uri baseAddress)
    {
        _app = app;
        _state = state;
        BaseAddress = baseAddress;
    }

    /// <summary>Gets the server's address, <c>http://127.0.0.1:&lt;port&gt;/</c>: the API and vault base address for clients.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the client id the token endpoint accepts now.</summary>
    public string ClientId => _state.ClientId;

    /// <summary>Gets the client secret the token endpoint accepts now. It is made up; it is still never logged.</summary>
    public string ClientSecret => _state.ClientSecret;

    /// <summary>Gets how long issued tokens live (<c>expires_in</c>).</summary>
    public TimeSpan TokenLifetime => _state.Tokens.Lifetime;

    /// <summary>Gets the clock the server reads for token expiry, timestamps and delays.</summary>
    public TimeProvider TimeProvider => _state.TimeProvider;

    /// <summary>Gets how many <c>POST /oauth/token</c> requests the server has answered or started to answer, faults and errors included.</summary>
    public int TokenRequestCount => _state.TokenRequestCount;

    /// <summary>Gets how many Deliver and Verify requests the server has received, rejected ones (401, 400) included.</summary>
    public int ApiRequestCount => _state.ApiRequestCount;

    /// <summary>Starts a server on 127.0.0.1 with an ephemeral port.</summary>
    /// <param name="options">The credentials, token lifetime and clock; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server. Dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">A credential in <paramref name="options"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="OrumSandboxOptions.TokenLifetime"/> is negative.</exception>
    public static async Task<OrumSandboxServer> StartAsync(OrumSandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OrumSandboxOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TokenLifetime, TimeSpan.Zero, "options.TokenLifetime");
        if (options.ClientId is { } id)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id, "options.ClientId");
        }

        if (options.ClientSecret is { } secret)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(secret, "options.ClientSecret");
        }

        var state = new SandboxState(
            options.ClientId ?? $"sandbox-client-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}",
            options.ClientSecret ?? $"sandbox-secret-{TokenStore.NewOpaqueToken()}",
            options.TokenLifetime,
            options.TimeProvider ?? TimeProvider.System);

        // The empty builder reads no appsettings.json, environment variables or command line of the process hosting the
        // sandbox (a "Kestrel" section there must not rebind it), starts no file watchers and adds no log providers.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        if (options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var app = builder.Build();
        app.MapPost("/oauth/token", new RequestDelegate(new TokenEndpoint(state).HandleAsync));
        new ApiEndpoints(state).Map(app);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new OrumSandboxServer(app, state, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            state.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Points <paramref name="options"/> at this server: API and vault base address, client id and secret.</summary>
    /// <param name="options">The options to set, typically inside <c>services.AddOrumAuth(options =&gt; server.ConfigureFor(options))</c>.</param>
    public void ConfigureFor(OrumAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ApiBaseAddress = BaseAddress;
        options.VaultBaseAddress = BaseAddress;
        (options.ClientId, options.ClientSecret) = _state.Credentials;
    }

    /// <summary>
    /// Queues a fault for the token endpoint: the next token request gets it instead of its normal answer. Faults are
    /// taken one per request, first in, first out.
    /// </summary>
    /// <param name="fault">The fault.</param>
    public void EnqueueFault(OrumSandboxFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        _state.EnqueueFault(fault);
    }

    /// <summary>
    /// Sets where token requests get their fault when none is queued: <paramref name="source"/> is asked once per such
    /// request and returns the fault to serve, or <see langword="null"/> to answer normally. Queued faults
    /// (<see cref="EnqueueFault"/>) still come first. Use it for an outage that lasts until the test ends it, or for a
    /// seeded random mix of faults.
    /// </summary>
    /// <param name="source">Returns the next request's fault. It may be called by concurrent requests and must not throw.
    /// <see langword="null"/> removes the source: requests are answered normally again.</param>
    /// <example>
    /// <code>
    /// server.SetFaultSource(() =&gt; OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable")); // down
    /// server.SetFaultSource(null);                                                                            // back
    /// </code>
    /// </example>
    public void SetFaultSource(Func<OrumSandboxFault?>? source) => _state.SetFaultSource(source);

    /// <summary>Revokes every token issued so far: Deliver and Verify calls that carry one get 401 <c>unauthorized</c>.</summary>
    public void RevokeAllTokens() => _state.Tokens.RevokeAll();

    /// <summary>
    /// Makes the token endpoint accept only the new pair from now on (the old one gets 401). Tokens already issued stay
    /// valid until they expire: Orum does not document revoking them; call <see cref="RevokeAllTokens"/> for that.
    /// </summary>
    /// <param name="clientId">The new client id.</param>
    /// <param name="clientSecret">The new client secret.</param>
    /// <exception cref="ArgumentException">A value is empty.</exception>
    public void RotateCredentials(string clientId, string clientSecret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientSecret);
        _state.RotateCredentials(clientId, clientSecret);
    }

    /// <summary>
    /// Completes when at least <paramref name="count"/> token requests have arrived. A request counts once its fault has
    /// started (a <see cref="OrumSandboxFault.Delay"/> is then waiting on <see cref="TimeProvider"/>, so a test can advance it).
    /// </summary>
    /// <param name="count">The total number of token requests to wait for.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when <see cref="TokenRequestCount"/> reaches <paramref name="count"/>.</returns>
    public Task WaitForTokenRequestsAsync(int count, CancellationToken cancellationToken = default) =>
        _state.WaitForTokenRequestsAsync(count, cancellationToken);

    /// <summary>Stops the server. Requests in progress are ended; pending <see cref="WaitForTokenRequestsAsync"/> calls fail.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _state.Dispose();
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Describes the server without its secret.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() => $"OrumSandboxServer {{ BaseAddress = {BaseAddress}, ClientId = {ClientId} }}";
}
