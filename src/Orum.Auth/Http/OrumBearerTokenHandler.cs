using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orum.Auth.Internal;

namespace Orum.Auth;

/// <summary>
/// Puts <c>Authorization: Bearer …</c> and <c>Orum-Version</c> on requests to Orum, and sends a request once more with a
/// fresh token when Orum answers 401. Tokens go only to the credential's API and vault hosts (and
/// <see cref="OrumAuthOptions.AdditionalAllowedHosts"/>), over HTTPS.
/// </summary>
/// <remarks>
/// The handler holds no token: it asks its <see cref="IOrumTokenProvider"/> on every request, so HttpClientFactory can
/// rotate handlers freely. Add it with <c>AddOrumBearerTokenHandler()</c> on an <c>IHttpClientBuilder</c>.
/// </remarks>
public sealed class OrumBearerTokenHandler : DelegatingHandler
{
    /// <summary>Request bodies up to this size are buffered so a 401 can be replayed with the same body.</summary>
    internal const int MaxReplayBufferBytes = 64 * 1024;

    private const string OrumVersionHeader = "Orum-Version";

    private readonly IOrumTokenProvider _tokens;
    private readonly string? _apiVersion;
    private readonly bool _retryOnUnauthorized;
    private readonly string[] _allowedHosts;
    private readonly ILogger _logger;
    private readonly OrumAuthTelemetry _telemetry;
    private readonly string _credential;

    /// <summary>Creates the handler.</summary>
    /// <param name="tokens">Where tokens come from, usually the credential's <see cref="TokenCache"/>.</param>
    /// <param name="options">The credential's hosts, <see cref="OrumAuthOptions.ApiVersion"/> and
    /// <see cref="OrumAuthOptions.RetryOnUnauthorized"/>. They are read now.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when <see langword="null"/>.</param>
    public OrumBearerTokenHandler(IOrumTokenProvider tokens, OrumAuthOptions options, ILoggerFactory? loggerFactory = null)
        : this(tokens, options, loggerFactory, OrumAuthTelemetry.Shared, Microsoft.Extensions.Options.Options.DefaultName)
    {
    }

    internal OrumBearerTokenHandler(IOrumTokenProvider tokens, OrumAuthOptions options, ILoggerFactory? loggerFactory, OrumAuthTelemetry telemetry, string credential)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        _tokens = tokens;
        _apiVersion = string.IsNullOrEmpty(options.ApiVersion) ? null : options.ApiVersion;
        _retryOnUnauthorized = options.RetryOnUnauthorized;
        _allowedHosts = [.. AllowedHosts(options).Distinct(StringComparer.OrdinalIgnoreCase)];
        _logger = (ILogger?)loggerFactory?.CreateLogger<OrumBearerTokenHandler>() ?? NullLogger.Instance;
        _telemetry = telemetry;
        _credential = credential;
    }

    /// <inheritdoc />
    /// <exception cref="OrumAuthException">The request is not to an allowed Orum host over HTTPS, or no token could be had.</exception>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureAllowed(request.RequestUri);

        var pending = _tokens.GetTokenAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return SendAfterTokenAsync(request, pending, cancellationToken);
        }

        var token = pending.GetAwaiter().GetResult(); // completed: no blocking, no allocation
        ApplyHeaders(request, token);
        var replay = _retryOnUnauthorized ? PrepareReplayAsync(request.Content, cancellationToken) : new ValueTask<bool>(false);
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
        throw new NotSupportedException("OrumBearerTokenHandler does not support synchronous HttpClient.Send: getting a token may need a network call. Use SendAsync (GetAsync, PostAsJsonAsync, …).");

    private async Task<HttpResponseMessage> SendAfterTokenAsync(HttpRequestMessage request, ValueTask<OrumAccessToken> pending, CancellationToken cancellationToken)
    {
        var token = await pending.ConfigureAwait(false);
        ApplyHeaders(request, token);
        var replayable = _retryOnUnauthorized && await PrepareReplayAsync(request.Content, cancellationToken).ConfigureAwait(false);
        return await SendCheckedAsync(request, token, replayable, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAfterBufferingAsync(HttpRequestMessage request, OrumAccessToken token, ValueTask<bool> replay, CancellationToken cancellationToken)
    {
        var replayable = await replay.ConfigureAwait(false);
        return await SendCheckedAsync(request, token, replayable, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, OrumAccessToken token, bool replayable, CancellationToken cancellationToken)
    {
        var sending = base.SendAsync(request, cancellationToken);

        // Answered at once and not a 401 (an in-memory handler, a cached response): nothing to wait for, so no state
        // machine and no second task. Over a socket the answer comes later and is checked below.
        return sending.IsCompletedSuccessfully && sending.GetAwaiter().GetResult().StatusCode != HttpStatusCode.Unauthorized
            ? sending
            : CheckUnauthorizedAsync(request, token, replayable, sending, cancellationToken);
    }

    // Every request whose answer comes later waits here, so it holds as little as it can: the replay is a method of its own.
    private async Task<HttpResponseMessage> CheckUnauthorizedAsync(HttpRequestMessage request, OrumAccessToken token, bool replayable, Task<HttpResponseMessage> sending, CancellationToken cancellationToken)
    {
        var response = await sending.ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? await OnUnauthorizedAsync(request, token, replayable, response, cancellationToken).ConfigureAwait(false)
            : response;
    }

    private async Task<HttpResponseMessage> OnUnauthorizedAsync(HttpRequestMessage request, OrumAccessToken token, bool replayable, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Drop exactly the token Orum refused (if another request already replaced it, this is a no-op). Even when
        // replay is off: a revoked token would otherwise fail every call until it expires.
        _tokens.Invalidate(token);
        if (!_retryOnUnauthorized)
        {
            return response;
        }

        if (!replayable)
        {
            Log.ReplaySkipped(_logger, request.Method.Method, request.RequestUri!.Host, "its body cannot be sent twice");
            return response;
        }

        response.Dispose();
        var fresh = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = fresh.AuthorizationHeader;
        Log.UnauthorizedReplay(_logger, request.Method.Method, request.RequestUri!.Host);
        _telemetry.UnauthorizedReplay(_credential);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
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

    private void ApplyHeaders(HttpRequestMessage request, OrumAccessToken token)
    {
        var headers = request.Headers;

        // A request with no headers at all (most GETs) cannot have its own Orum-Version: no need to look for one.
        var mayHaveVersion = headers.NonValidated.Count != 0;
        headers.Authorization = token.AuthorizationHeader;
        if (_apiVersion is not null && !(mayHaveVersion && headers.Contains(OrumVersionHeader)))
        {
            headers.TryAddWithoutValidation(OrumVersionHeader, _apiVersion);
        }
    }

    private void EnsureAllowed(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new OrumAuthException("The request has no absolute URI, so it cannot be checked against the allowed Orum hosts. Set the HttpClient's BaseAddress or use an absolute URI.");
        }

        var host = uri.IdnHost;
        foreach (var allowed in _allowedHosts)
        {
            if (string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase))
            {
                if (OrumHosts.IsSecureOrLoopback(uri))
                {
                    return;
                }

                break;
            }
        }

        Log.HostRefused(_logger, uri.Scheme, host);
        throw new OrumAuthException(
            $"Refused to send an Orum token to {uri.Scheme}://{host}: tokens go only over HTTPS to {string.Join(", ", _allowedHosts)}. " +
            "If this host is yours and should get the token, add it to OrumAuthOptions.AdditionalAllowedHosts.");
    }

    private static IEnumerable<string> AllowedHosts(OrumAuthOptions options)
    {
        yield return options.ResolveApiBaseAddress().IdnHost;
        if (options.ResolveVaultBaseAddress() is { } vault)
        {
            yield return vault.IdnHost;
        }

        foreach (var host in options.AdditionalAllowedHosts)
        {
            if (!string.IsNullOrWhiteSpace(host))
            {
                yield return host.Trim();
            }
        }
    }
}
