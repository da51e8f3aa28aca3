using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orum.Auth.Internal;
using Polly;

namespace Orum.Auth;

/// <summary>
/// Requests access tokens from Orum's <c>POST /oauth/token</c>. Every call is a request: use it through
/// <see cref="TokenCache"/> (or <c>services.AddOrumAuth</c>) so tokens are reused for their lifetime.
/// </summary>
/// <example>
/// <code>
/// var client = new OrumAuthClient(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }), new OrumAuthOptions { ClientId = "…", ClientSecret = "…" });
/// OrumAccessToken token = await client.RequestTokenAsync();
/// </code>
/// </example>
public sealed class OrumAuthClient : IOrumTokenClient
{
    private const string Operation = "The Orum token request";
    private const string JsonMediaType = "application/json";
    private const string FormMediaType = "application/x-www-form-urlencoded";

    // 24 hours: Orum documents one-hour tokens, so anything far beyond that is a broken response, not a long-lived token.
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

    private readonly HttpClient? _httpClient;
    private readonly Func<HttpClient>? _createHttpClient;
    private readonly Func<OrumAuthOptions> _getOptions;
    private readonly string _credential;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OrumAuthTelemetry _telemetry;
    private TokenEndpoint? _endpoint;

    /// <summary>Creates a client that sends token requests through <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">The client to send through; its base address is not used. Give it a handler that does not
    /// follow redirects (<c>new SocketsHttpHandler { AllowAutoRedirect = false }</c>): a 307 or 308 from the token endpoint
    /// would resend the body, client secret included, to the host it names. <c>AddOrumAuth</c> does this for you.</param>
    /// <param name="options">The credential. It is copied and checked now, with the rules <c>AddOrumAuth</c> checks at
    /// start-up: later changes to it are not seen.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting of <paramref name="options"/> is missing or invalid; the message names
    /// each one (<c>OrumAuthOptions.ClientId is required…</c>) and never shows its value.</exception>
    public OrumAuthClient(HttpClient httpClient, OrumAuthOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);

        // The copy is what is checked and used, so a change to options meanwhile can never slip past the check.
        var snapshot = options.Clone();
        OrumAuthOptionsValidator.ThrowIfInvalidArgument(snapshot, nameof(options), requireCredential: true);
        _httpClient = httpClient;
        _getOptions = () => snapshot;
        _credential = Microsoft.Extensions.Options.Options.DefaultName;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<OrumAuthClient>() ?? NullLogger.Instance;
        _telemetry = OrumAuthTelemetry.Shared;
    }

    // For dependency injection: a fresh HttpClient from the factory per request (token requests are rare, and this
    // keeps HttpClientFactory's handler rotation), and the credential's current options per request (rotation).
    internal OrumAuthClient(Func<HttpClient> createHttpClient, Func<OrumAuthOptions> getOptions, string credential, TimeProvider timeProvider, ILoggerFactory? loggerFactory, OrumAuthTelemetry telemetry)
    {
        _createHttpClient = createHttpClient;
        _getOptions = getOptions;
        _credential = credential;
        _timeProvider = timeProvider;
        _logger = (ILogger?)loggerFactory?.CreateLogger<OrumAuthClient>() ?? NullLogger.Instance;
        _telemetry = telemetry;
    }

    /// <inheritdoc />
    /// <exception cref="OrumApiException">Orum answered with an error status; the subclass names it.</exception>
    /// <exception cref="OrumInvalidResponseException">The answer was not the documented token JSON.</exception>
    /// <exception cref="OrumNetworkException">Orum could not be reached or did not answer in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        var options = _getOptions();
        var endpoint = EndpointFor(options);
        Log.TokenRequested(_logger, _credential, endpoint.Host, options.TokenRequestFormat);

        using var activity = OrumAuthTelemetry.ActivitySource.StartActivity(OrumAuthTelemetry.TokenRequestActivityName, ActivityKind.Internal);
        activity?.SetTag("orum.auth.credential", string.IsNullOrEmpty(_credential) ? "default" : _credential);
        activity?.SetTag("server.address", endpoint.Host);
        var attempts = new StrongBox<int>();
        var responseStatus = new StrongBox<int>();
        var started = _timeProvider.GetTimestamp();
        var elapsed = TimeSpan.Zero;
        Exception? error = null;
        try
        {
            var token = await SendAsync(options, endpoint, attempts, responseStatus, cancellationToken).ConfigureAwait(false);
            elapsed = _timeProvider.GetElapsedTime(started);
            Log.TokenAcquired(_logger, _credential, token.ExpiresIn, elapsed.TotalMilliseconds);
            return token;
        }
        catch (Exception ex)
        {
            elapsed = _timeProvider.GetElapsedTime(started);
            error = ex;
            if (ex is OrumAuthException authError)
            {
                var api = ex as OrumApiException;
                int? status = api is not null ? (int)api.StatusCode : ex is OrumInvalidResponseException invalid ? (int)invalid.StatusCode : null;
                Log.TokenRequestFailed(_logger, _credential, elapsed.TotalMilliseconds, status, api?.ErrorCode, authError);
            }

            throw;
        }
        finally
        {
            _telemetry.TokenRequest(_credential, elapsed, error);
            if (activity is not null)
            {
                var (outcome, statusClass, errorCode) = OrumAuthTelemetry.Describe(error);
                activity.SetTag("orum.auth.outcome", outcome);
                activity.SetTag("orum.auth.status_class", statusClass);
                activity.SetTag("orum.auth.error_code", errorCode);
                activity.SetTag("orum.auth.attempts", Math.Max(1, attempts.Value));
                if (responseStatus.Value != 0)
                {
                    activity.SetTag("http.response.status_code", responseStatus.Value);
                }
                if (error is not null)
                {
                    activity.SetStatus(ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    private async Task<OrumAccessToken> SendAsync(OrumAuthOptions options, Uri endpoint, StrongBox<int> attempts, StrongBox<int> status, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.TokenRequestTimeout, _timeProvider);
        // The caller's cancellation ends the request too: a registration, cheaper than a second, linked source.
        using var callerCancelled = cancellationToken.UnsafeRegister(static timeout => ((CancellationTokenSource)timeout!).Cancel(), timeout);
        using var request = CreateRequest(options, endpoint);
        request.Options.Set(AttemptCountingHandler.Attempts, attempts);
        var issuedAt = _timeProvider.GetUtcNow();

        HttpResponseMessage response;
        try
        {
            var httpClient = _httpClient ?? _createHttpClient!();
            response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (FindRedirectRefusal(ex) is { } refused)
        {
            // Thrown by the body itself (the transport may wrap it): the secret was not written.
            throw new OrumAuthException(refused.Message, refused);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Report the caller's own token, not the internal one, so `ex.CancellationToken == token` holds.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (OperationCanceledException ex)
        {
            throw OrumNetworkException.TokenRequestTimedOut(endpoint.Host, options.TokenRequestTimeout, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new OrumNetworkException(
                $"{Operation} could not reach {endpoint.Host}: {ex.Message.TrimEnd('.')}. Check the network and the API base address.",
                isTimeout: false,
                ex);
        }
        catch (Polly.Timeout.TimeoutRejectedException ex)
        {
            throw new OrumNetworkException(
                $"{Operation} to {endpoint.Host} timed out: its last attempt did not complete within {OrumNetworkException.Seconds(ex.Timeout)} s " +
                "(the attempt timeout of TokenResilience). Orum may be slow or unreachable; the request will be tried again later.",
                isTimeout: true,
                ex);
        }
        catch (ExecutionRejectedException ex)
        {
            throw new OrumNetworkException(
                $"{Operation} to {endpoint.Host} was not sent or not completed by the resilience pipeline ({ex.GetType().Name}): {ex.Message}",
                isTimeout: false,
                ex);
        }

        using (response)
        {
            status.Value = (int)response.StatusCode;
            try
            {
                if (!response.IsSuccessStatusCode)
                {
                    var text = ServerText.Masking(options.ClientSecret);
                    throw await OrumErrorMapper.CreateAsync(response, Operation, _timeProvider, text, timeout.Token, cancellationToken)
                        .ConfigureAwait(false);
                }

                return await ReadTokenAsync(response, issuedAt, options.ClientSecret, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(ex.Message, ex, cancellationToken);
            }
            catch (OperationCanceledException ex)
            {
                throw new OrumInvalidResponseException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{Operation} got HTTP {OrumErrorMapper.Status(response.StatusCode)} from {endpoint.Host}, "
                        + $"but its body did not finish within {options.TokenRequestTimeout.TotalSeconds:0.###} s."),
                    response.StatusCode,
                    OrumErrorMapper.MediaType(response, ServerText.Masking(options.ClientSecret)),
                    ex);
            }
        }
    }

    // Worked out once per options instance (a reload brings a new one): combining two URIs costs more than building the
    // rest of the request.
    private Uri EndpointFor(OrumAuthOptions options)
    {
        var known = _endpoint;
        if (known is null || !ReferenceEquals(known.Options, options))
        {
            known = new TokenEndpoint(options, options.ResolveTokenEndpoint());
            _endpoint = known;
        }

        return known.Uri;
    }

    private static HttpRequestMessage CreateRequest(OrumAuthOptions options, Uri endpoint)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        var content = options.TokenRequestFormat == OrumTokenRequestFormat.Form
            ? new TokenRequestContent(FormBody(options.ClientId!, options.ClientSecret!), FormMediaType)
            : new TokenRequestContent(
                JsonSerializer.SerializeToUtf8Bytes(
                    new TokenRequestBody { ClientId = options.ClientId!, ClientSecret = options.ClientSecret! },
                    OrumJsonContext.Default.TokenRequestBody),
                JsonMediaType);
        content.BindTo(request);
        request.Content = content;
        request.Headers.TryAddWithoutValidation("Accept", JsonMediaType);
        request.Headers.UserAgent.Add(PackageInfo.UserAgent);
        return request;
    }

    // The secret is only for masking it in the error paths' text: it is not prepared unless one needs it.
    private static async Task<OrumAccessToken> ReadTokenAsync(
        HttpResponseMessage response, DateTimeOffset issuedAt, string? secret, CancellationToken cancellationToken)
    {
        LimitedBody body;
        try
        {
            body = await LimitedBody.ReadAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw Invalid(response, secret, "its body could not be read to the end (the connection dropped or the body was truncated)", ex);
        }

        using (body)
        {
            if (body.TooLarge)
            {
                throw Invalid(response, secret, $"its body is over {LimitedBody.MaxBytes / 1024} KiB", null);
            }

            TokenResponseBody? token;
            try
            {
                token = JsonSerializer.Deserialize(body.Span, OrumJsonContext.Default.TokenResponseBody);
            }
            catch (JsonException ex)
            {
                // Not chained: a JsonException's message can quote the body (an unquoted literal is echoed to its end,
                // token included). Only where it failed is kept.
                var described = OrumErrorMapper.DescribeBody(OrumErrorMapper.MediaType(response, ServerText.Masking(secret)), body);
                var where = string.Create(CultureInfo.InvariantCulture, $"at {ex.Path ?? "$"}, byte {ex.BytePositionInLine ?? 0}");
                throw Invalid(
                    response, secret, $"{described} is not the documented token JSON (not JSON, or a field of the wrong type; {where})", null);
            }

            if (token is null)
            {
                throw Invalid(response, secret, "its body is JSON null", null);
            }

            if (string.IsNullOrEmpty(token.AccessToken))
            {
                throw Invalid(response, secret, "access_token is missing or empty", null);
            }

            if (!IsHeaderSafe(token.AccessToken))
            {
                throw Invalid(response, secret, "access_token has characters that cannot be sent in an Authorization header", null);
            }

            if (token.TokenType is not null && !string.Equals(token.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(response, secret, "token_type is not Bearer", null);
            }

            if (token.ExpiresIn is not { } seconds)
            {
                throw Invalid(response, secret, "expires_in is missing", null);
            }

            if (!(seconds >= 0 && seconds <= MaxLifetime.TotalSeconds))
            {
                var problem = string.Create(
                    CultureInfo.InvariantCulture,
                    $"expires_in is {(seconds < 0 ? "negative" : "absurdly large")} (it must be between 0 and {MaxLifetime.TotalSeconds:0} seconds)");
                throw Invalid(response, secret, problem, null);
            }

            return new OrumAccessToken(token.AccessToken, token.TokenType ?? "Bearer", TimeSpan.FromSeconds(seconds), issuedAt);
        }
    }

    private static Exception? FindRedirectRefusal(Exception ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is TokenRequestContent.RedirectRefusedException)
            {
                return inner;
            }
        }

        return null;
    }

    // As FormUrlEncodedContent writes it: each value escaped, spaces as '+'.
    private static byte[] FormBody(string clientId, string clientSecret) => System.Text.Encoding.ASCII.GetBytes(
        $"client_id={Uri.EscapeDataString(clientId).Replace("%20", "+", StringComparison.Ordinal)}" +
        $"&client_secret={Uri.EscapeDataString(clientSecret).Replace("%20", "+", StringComparison.Ordinal)}");

    private static OrumInvalidResponseException Invalid(HttpResponseMessage response, string? secret, string problem, Exception? inner) =>
        new(
            $"{Operation} got HTTP {OrumErrorMapper.Status(response.StatusCode)} from Orum, but {problem}. No token was issued; "
                + "if this persists, check for a proxy between you and Orum.",
            response.StatusCode,
            OrumErrorMapper.MediaType(response, ServerText.Masking(secret)),
            inner);

    // RFC 6750 b64token characters and the like: visible ASCII only, so the header can never be split or rejected.
    private static bool IsHeaderSafe(string value)
    {
        foreach (var c in value)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private sealed record TokenEndpoint(OrumAuthOptions Options, Uri Uri);
}
