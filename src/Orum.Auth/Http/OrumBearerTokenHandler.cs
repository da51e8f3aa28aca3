using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orum.Auth.Internal;

namespace Orum.Auth;

/// <summary>
/// Puts <c>Authorization: Bearer …</c> and <c>Orum-Version</c> on requests to Orum, and sends a request once more with a
/// fresh token when Orum answers 401. Tokens go only to the origins (scheme, host and port) of the credential's API and
/// vault addresses and of <see cref="OrumAuthOptions.AdditionalAllowedHosts"/>, over HTTPS.
/// </summary>
/// <remarks>
/// <para>The handler holds no token: it asks its <see cref="IOrumTokenProvider"/> on every request, so HttpClientFactory can
/// rotate handlers freely. Add it with <c>AddOrumBearerTokenHandler()</c> on an <c>IHttpClientBuilder</c>; the handler
/// then follows reloads of the credential's options at once.</para>
/// <para>Every send that carries a token is checked, the 401 replay included, against the URI it really goes to: when
/// HttpClient's redirect handling has moved the request to another origin, the token does not follow it.</para>
/// </remarks>
public sealed class OrumBearerTokenHandler : DelegatingHandler
{
    /// <summary>Request bodies up to this size are buffered so a 401 can be replayed with the same body.</summary>
    internal const int MaxReplayBufferBytes = 64 * 1024;

    private const string OrumVersionHeader = "Orum-Version";

    private readonly IOrumTokenProvider _tokens;
    private readonly CredentialSettings _settings;
    private readonly ILogger _logger;
    private readonly OrumAuthTelemetry _telemetry;
    private readonly string _credential;

    /// <summary>Creates the handler.</summary>
    /// <param name="tokens">Where tokens come from, usually the credential's <see cref="TokenCache"/>.</param>
    /// <param name="options">The credential's addresses, <see cref="OrumAuthOptions.AdditionalAllowedHosts"/>,
    /// <see cref="OrumAuthOptions.ApiVersion"/> and <see cref="OrumAuthOptions.RetryOnUnauthorized"/>. They are checked and
    /// read now.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public OrumBearerTokenHandler(IOrumTokenProvider tokens, OrumAuthOptions options, ILoggerFactory? loggerFactory = null)
        : this(tokens, FixedPolicy(options), loggerFactory, OrumAuthTelemetry.Shared, Microsoft.Extensions.Options.Options.DefaultName)
    {
    }

    internal OrumBearerTokenHandler(
        IOrumTokenProvider tokens,
        CredentialSettings settings,
        ILoggerFactory? loggerFactory,
        OrumAuthTelemetry telemetry,
        string credential)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens;
        _settings = settings;
        _logger = (ILogger?)loggerFactory?.CreateLogger<OrumBearerTokenHandler>() ?? NullLogger.Instance;
        _telemetry = telemetry;
        _credential = credential;
    }

    /// <summary>Gets the credential's settings, for the guard that may sit below the handler.</summary>
    internal CredentialSettings Settings => _settings;

    /// <summary>Gets where the handler logs.</summary>
    internal ILogger Logger => _logger;

    /// <inheritdoc />
    /// <exception cref="OrumAuthException">The request is not to an allowed Orum origin, or no token could be had.</exception>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var policy = _settings.Policy;
        EnsureAllowed(policy, request.RequestUri);

        var pending = _tokens.GetTokenAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return SendAfterTokenAsync(request, pending, policy, cancellationToken);
        }

        var token = pending.GetAwaiter().GetResult(); // completed: no blocking, no allocation
        ApplyHeaders(request, token, policy.ApiVersion);
        var replay = policy.RetryOnUnauthorized ? PrepareReplayAsync(request.Content, cancellationToken) : new ValueTask<bool>(false);
        return replay.IsCompletedSuccessfully
            ? SendCheckedAsync(request, token, replay.GetAwaiter().GetResult(), cancellationToken)
            : SendAfterBufferingAsync(request, token, replay, cancellationToken);
    }

    /// <summary>Synchronous sends are not supported: a token may need a network call. Use <c>SendAsync</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            "OrumBearerTokenHandler does not support synchronous HttpClient.Send: getting a token may need a network call. " +
            "Use SendAsync (GetAsync, PostAsJsonAsync, …).");

    private static CredentialSettings FixedPolicy(OrumAuthOptions options)
    {
        // The same rules as AddOrumAuth's start-up check, but for the credential, which the handler never sends.
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        OrumAuthOptionsValidator.ThrowIfInvalidArgument(copy, nameof(options), requireCredential: false);
        return new CredentialSettings(copy, TimeProvider.System);
    }

    private async Task<HttpResponseMessage> SendAfterTokenAsync(
        HttpRequestMessage request,
        ValueTask<OrumAccessToken> pending,
        BearerPolicy policy,
        CancellationToken cancellationToken)
    {
        var token = await pending.ConfigureAwait(false);

        // The options may have been reloaded while the token came: checked again, so a token minted for new origins never
        // goes to an old one.
        policy = _settings.Policy;
        EnsureAllowed(policy, request.RequestUri);
        ApplyHeaders(request, token, policy.ApiVersion);
        var replayable = policy.RetryOnUnauthorized && await PrepareReplayAsync(request.Content, cancellationToken).ConfigureAwait(false);
        return await SendCheckedAsync(request, token, replayable, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAfterBufferingAsync(
        HttpRequestMessage request,
        OrumAccessToken token,
        ValueTask<bool> replay,
        CancellationToken cancellationToken)
    {
        var replayable = await replay.ConfigureAwait(false);
        return await SendCheckedAsync(request, token, replayable, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendCheckedAsync(
        HttpRequestMessage request,
        OrumAccessToken token,
        bool replayable,
        CancellationToken cancellationToken)
    {
        var sending = base.SendAsync(request, cancellationToken);

        // Answered at once and not a 401 (an in-memory handler, a cached response): nothing to wait for, so no state
        // machine and no second task. Over a socket the answer comes later and is checked below.
        if (sending.IsCompletedSuccessfully && sending.GetAwaiter().GetResult() is { StatusCode: not HttpStatusCode.Unauthorized } answer)
        {
            Forget(request, token, answer);
            return sending;
        }

        return CheckUnauthorizedAsync(request, token, replayable, sending, cancellationToken);
    }

    // Every request whose answer comes later waits here, so it holds as little as it can: the replay is a method of its own.
    private async Task<HttpResponseMessage> CheckUnauthorizedAsync(
        HttpRequestMessage request,
        OrumAccessToken token,
        bool replayable,
        Task<HttpResponseMessage> sending,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await sending.ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response = await OnUnauthorizedAsync(request, token, replayable, response, cancellationToken).ConfigureAwait(false);
            }

            return response;
        }
        finally
        {
            Forget(request, token, response);
        }
    }

    /// <summary>
    /// Takes the token off the caller's request once the send is over, so neither it nor the response's RequestMessage
    /// shows it (an app that logs a failed call's request would print it); an outer retry comes back through the handler
    /// and sets it again. A failed call keeps the token it carried where only EnsureOrumSuccessAsync looks, to mask it.
    /// </summary>
    private static void Forget(HttpRequestMessage request, OrumAccessToken token, HttpResponseMessage? response)
    {
        var sent = request.Headers.Authorization;
        if (sent is null)
        {
            return;
        }

        if (response is not { IsSuccessStatusCode: true })
        {
            if (ReferenceEquals(sent, token.AuthorizationHeader))
            {
                request.Options.Set(ServerText.SentToken, token);
            }
            else if (!string.IsNullOrEmpty(sent.Parameter))
            {
                request.Options.Set(ServerText.SentToken, new OrumAccessToken(sent.Parameter, "Bearer", TimeSpan.Zero, DateTimeOffset.UnixEpoch));
            }
        }

        request.Headers.Authorization = null;
    }

    /// <summary>
    /// A 401 to a request that carried the token drops exactly that token and replays once with a fresh one. A 401 to a
    /// request that HttpClient's redirect handling sent on without it (it drops Authorization when it follows a redirect)
    /// says nothing of the token: the request is sent once more, with the same token, to where it was redirected. Either
    /// send goes only to an allowed origin: a redirect elsewhere gets the 401 back, and the token stays where it was.
    /// </summary>
    private async Task<HttpResponseMessage> OnUnauthorizedAsync(
        HttpRequestMessage request,
        OrumAccessToken token,
        bool replayable,
        HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var replayed = false;
        var resent = false;
        while (true)
        {
            var policy = _settings.Policy;
            var uri = request.RequestUri!;
            if (!policy.Allows(uri))
            {
                var reason = $"it was redirected to {OrumOrigin.Describe(uri)}, which may not get the token";
                Log.ReplaySkipped(_logger, request.Method.Method, uri.Host, reason);
                return response;
            }

            var carried = ReferenceEquals(request.Headers.Authorization, token.AuthorizationHeader);
            if (carried && replayed)
            {
                // The fresh token was refused too: a new token will not help, so 401s stop costing token requests for a while.
                if (policy.Rejections.ReplayRefused())
                {
                    Log.UnauthorizedPersists(_logger, _credential, request.Method.Method, uri.Host, policy.Rejections.Window);
                }

                return response;
            }

            if (!carried && resent)
            {
                return response; // redirected once more, and the token never got there
            }

            if (carried)
            {
                var verdict = policy.Rejections.OnUnauthorized(token);
                if (verdict != UnauthorizedBackoff.Verdict.Drop)
                {
                    if (verdict == UnauthorizedBackoff.Verdict.HandBackFirst)
                    {
                        Log.UnauthorizedPersists(_logger, _credential, request.Method.Method, uri.Host, policy.Rejections.Window);
                    }

                    return response;
                }

                // Drop exactly the token Orum refused (if another request already replaced it, this is a no-op). Even when
                // replay is off: a revoked token would otherwise fail every call until it expires.
                _tokens.Invalidate(token);
            }

            if (!policy.RetryOnUnauthorized)
            {
                return response;
            }

            if (!replayable)
            {
                Log.ReplaySkipped(_logger, request.Method.Method, uri.Host, "its body cannot be sent twice");
                return response;
            }

            response.Dispose();
            if (carried)
            {
                replayed = true;
                token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                Log.UnauthorizedReplay(_logger, request.Method.Method, uri.Host);
                _telemetry.UnauthorizedReplay(_credential);
            }
            else
            {
                resent = true;
                Log.RedirectedRequestResent(_logger, request.Method.Method, uri.Host);
            }

            request.Headers.Authorization = token.AuthorizationHeader;
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                if (replayed)
                {
                    policy.Rejections.ReplaySucceeded();
                }

                return response;
            }
        }
    }

    /// <summary>Whether the body can be sent a second time; small streamed bodies are buffered so that it can.</summary>
    private static ValueTask<bool> PrepareReplayAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        switch (content)
        {
            case null:
            case ByteArrayContent: // also StringContent and FormUrlEncodedContent
            case ReadOnlyMemoryContent:
            case JsonContent: // serializes its value again on every send
                return new ValueTask<bool>(true);
            case { Headers.ContentLength: <= MaxReplayBufferBytes }:
                return BufferAsync(content, cancellationToken);
            default:
                return new ValueTask<bool>(false);
        }

        static async ValueTask<bool> BufferAsync(HttpContent content, CancellationToken cancellationToken)
        {
#if NET9_0_OR_GREATER
            await content.LoadIntoBufferAsync(MaxReplayBufferBytes, cancellationToken).ConfigureAwait(false);
#else
            await content.LoadIntoBufferAsync(MaxReplayBufferBytes).ConfigureAwait(false);
#endif
            return true;
        }
    }

    private static void ApplyHeaders(HttpRequestMessage request, OrumAccessToken token, string? apiVersion)
    {
        var headers = request.Headers;

        // A request with no headers at all (most GETs) cannot have its own Orum-Version: no need to look for one.
        var mayHaveVersion = headers.NonValidated.Count != 0;
        headers.Authorization = token.AuthorizationHeader;
        if (apiVersion is not null && !(mayHaveVersion && headers.Contains(OrumVersionHeader)))
        {
            headers.TryAddWithoutValidation(OrumVersionHeader, apiVersion);
        }
    }

    private void EnsureAllowed(BearerPolicy policy, Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new OrumAuthException(
                "The request has no absolute URI, so it cannot be checked against the allowed Orum origins. " +
                "Set the HttpClient's BaseAddress or use an absolute URI.");
        }

        if (!policy.Allows(uri))
        {
            var origin = OrumOrigin.Describe(uri);
            Log.HostRefused(_logger, origin);
            throw new OrumAuthException(
                $"Refused to send an Orum token to {origin}: tokens go only to {policy.Allowed}. If this host is yours and " +
                "should get the token, add it to OrumAuthOptions.AdditionalAllowedHosts (as host:port when the port is not 443).");
        }
    }
}
