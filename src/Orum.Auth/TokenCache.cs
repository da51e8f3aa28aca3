using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orum.Auth.Internal;

namespace Orum.Auth;

/// <summary>
/// Caches one credential's access token: one token request per lifetime, refreshed ahead of expiry in the background,
/// one request in flight however many callers arrive, and no hammering of Orum when requests fail.
/// </summary>
/// <remarks>
/// <para>A cache hit is a field read and a clock compare: no lock, no allocation, no <see langword="async"/> state machine.</para>
/// <para>The states and transitions are described in <c>src/Orum.Auth/Internal/README.md</c>.</para>
/// </remarks>
public sealed class TokenCache : IOrumTokenProvider, IDisposable
{
    /// <summary>After a failed background refresh, the next one waits this long, or Retry-After when longer (the still-valid token stays in use).</summary>
    internal static readonly TimeSpan BackgroundRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>With no usable token, a failure is handed to every caller for this long without a new request.</summary>
    internal static readonly TimeSpan MinCoolDown = TimeSpan.FromSeconds(5);

    /// <summary>A server-sent Retry-After lengthens the cool-down up to Orum's documented 10-minute firewall block.</summary>
    internal static readonly TimeSpan MaxCoolDown = TimeSpan.FromMinutes(10);

    /// <summary>Tokens that live less than this are worth a warning: every burst of calls will need a new one.</summary>
    internal static readonly TimeSpan ShortLifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Two token requests of one credential start at least this far apart, whatever lifetime Orum gives its tokens and
    /// however often they are invalidated; only a credential change lets the next one start at once.
    /// </summary>
    internal static readonly TimeSpan MinRequestInterval = TimeSpan.FromSeconds(1);

    /// <summary>No span the cache works out is longer: ten years of 1-ns timestamp ticks stay far from overflowing.</summary>
    private static readonly TimeSpan MaxTimestampSpan = TimeSpan.FromDays(3650);

    /// <summary>How long after <see cref="OrumAuthOptions.TokenRequestTimeout"/> waiters are released from a client that never ends.</summary>
    internal static readonly TimeSpan TimeoutGrace = TimeSpan.FromSeconds(1);

    private readonly IOrumTokenClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OrumAuthTelemetry _telemetry;
    private readonly string _credential;
    private readonly IDisposable? _optionsSubscription;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();

    // Read without the lock on the hot path; written under it.
    private volatile Entry? _entry;
    private volatile TaskCompletionSource<OrumAccessToken>? _pending;
    private long _nextBackgroundAttempt;

    // Guarded by _gate.
    private OrumAuthOptions _options;
    private Task<OrumAccessToken>? _failure;
    private long _failureUntil;
    private int _generation;
    private long _nextRequestAt; // the earliest the next token request may start; 0 after a credential change
    private bool _warnedShortLived;

    /// <summary>Creates a cache over <paramref name="client"/>.</summary>
    /// <param name="client">Requests tokens when the cache needs one.</param>
    /// <param name="options">The refresh and expiry settings (<see cref="OrumAuthOptions.RefreshBeforeExpiry"/>,
    /// <see cref="OrumAuthOptions.ExpiryMargin"/>, <see cref="OrumAuthOptions.TokenRequestTimeout"/>). They are copied and
    /// checked now, with the rules <c>AddOrumAuth</c> checks at start-up except that <see cref="OrumAuthOptions.ClientId"/>
    /// and <see cref="OrumAuthOptions.ClientSecret"/> may be unset: the cache never uses them.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting of <paramref name="options"/> is invalid; the message names each one
    /// (<c>OrumAuthOptions.ExpiryMargin must be between…</c>).</exception>
    public TokenCache(IOrumTokenClient client, OrumAuthOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(client, Checked(options), Microsoft.Extensions.Options.Options.DefaultName, timeProvider ?? TimeProvider.System, loggerFactory, OrumAuthTelemetry.Shared)
    {
    }

    // For dependency injection: follows reloads of the credential's options and drops the token when the credential changes.
    internal TokenCache(
        IOrumTokenClient client,
        CredentialSettings settings,
        string credential,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory,
        OrumAuthTelemetry telemetry)
        : this(client, settings.Options, credential, timeProvider, loggerFactory, telemetry)
    {
        // Told after the settings have swapped, so the token client and the handlers already use the new options.
        _optionsSubscription = settings.OnChange(OnOptionsChanged);
    }

    // A negative ExpiryMargin, say, would hand out tokens after they expire: the copy is checked, as it is what is used.
    private static OrumAuthOptions Checked(OrumAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        OrumAuthOptionsValidator.ThrowIfInvalidArgument(copy, nameof(options), requireCredential: false);
        return copy;
    }

    private TokenCache(IOrumTokenClient client, OrumAuthOptions options, string credential, TimeProvider timeProvider, ILoggerFactory? loggerFactory, OrumAuthTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _credential = credential;
        _timeProvider = timeProvider;
        _logger = (ILogger?)loggerFactory?.CreateLogger<TokenCache>() ?? NullLogger.Instance;
        _telemetry = telemetry;
    }

    /// <inheritdoc />
    /// <exception cref="OrumAuthException">No valid token could be had; during a cool-down every caller gets the same one.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        var entry = _entry;
        if (entry is not null)
        {
            var now = _timeProvider.GetTimestamp();
            if (now < entry.RefreshAt)
            {
                if (_telemetry.CacheHitsEnabled)
                {
                    _telemetry.CacheHit(_credential);
                }

                return new ValueTask<OrumAccessToken>(entry.Token);
            }

            if (now < entry.UsableUntil)
            {
                if (_pending is null && now >= Volatile.Read(ref _nextBackgroundAttempt))
                {
                    StartBackgroundRefresh(entry, now);
                }

                if (_telemetry.CacheHitsEnabled)
                {
                    _telemetry.CacheHit(_credential);
                }

                return new ValueTask<OrumAccessToken>(entry.Token);
            }
        }

        return GetSlowAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void Invalidate(OrumAccessToken rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);

        // First, so that the replacement this cache is about to request cannot be the rejected token read back from a store.
        (_client as IOrumTokenRejectionListener)?.OnTokenRejected(rejected);
        lock (_gate)
        {
            var entry = _entry;
            if (entry is not null && (ReferenceEquals(entry.Token, rejected) || string.Equals(entry.Token.Value, rejected.Value, StringComparison.Ordinal)))
            {
                _entry = null;
                Volatile.Write(ref _nextBackgroundAttempt, 0);
            }
        }
    }

    /// <summary>Stops following option changes and ends any token request in flight. Waiting callers get an <see cref="OrumAuthException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _generation++;
            _entry = null;
        }

        _optionsSubscription?.Dispose();

        // Not disposed: it owns no timer, and a request still in flight may be reading its token.
        _disposed.Cancel();
    }

    private ValueTask<OrumAccessToken> GetSlowAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<OrumAccessToken>(cancellationToken);
        }

        TaskCompletionSource<OrumAccessToken>? started = null;
        Task<OrumAccessToken> shared;
        OrumAuthOptions options;
        int generation;
        var wait = TimeSpan.Zero;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var now = _timeProvider.GetTimestamp();
            var entry = _entry;
            if (entry is not null && now < entry.UsableUntil)
            {
                return new ValueTask<OrumAccessToken>(entry.Token);
            }

            if (_pending is null && _failure is not null && now < _failureUntil)
            {
                Log.CoolDownActive(_logger, _credential, _timeProvider.GetElapsedTime(now, _failureUntil));
                return new ValueTask<OrumAccessToken>(_failure);
            }

            if (_pending is null)
            {
                started = new TaskCompletionSource<OrumAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending = started;
                _failure = null;
                wait = ReserveRequestStart(now);
            }

            shared = _pending.Task;
            options = _options;
            generation = _generation;
        }

        if (started is not null)
        {
            _ = FetchAsync(started, options, generation, wait, background: false);
        }

        return cancellationToken.CanBeCanceled
            ? new ValueTask<OrumAccessToken>(shared.WaitAsync(cancellationToken))
            : new ValueTask<OrumAccessToken>(shared);
    }

    private void StartBackgroundRefresh(Entry entry, long now)
    {
        TaskCompletionSource<OrumAccessToken> started;
        OrumAuthOptions options;
        int generation;
        lock (_gate)
        {
            // A refresh is never worth waiting for: inside the floor the current token simply stays in use a little longer.
            if (_pending is not null || _entry != entry || now < _nextBackgroundAttempt || now < _nextRequestAt || _disposed.IsCancellationRequested)
            {
                return;
            }

            started = new TaskCompletionSource<OrumAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending = started;
            options = _options;
            generation = _generation;
            _ = ReserveRequestStart(now);
        }

        Log.BackgroundRefreshStarted(_logger, _credential, entry.Token.ExpiresAt);
        _ = FetchAsync(started, options, generation, TimeSpan.Zero, background: true);
    }

    /// <summary>When the next token request may start, and how long this one waits for it; called under <c>_gate</c>.</summary>
    private TimeSpan ReserveRequestStart(long now)
    {
        var startAt = Math.Max(now, _nextRequestAt);
        _nextRequestAt = startAt + ToTimestampTicks(MinRequestInterval);
        return _timeProvider.GetElapsedTime(now, startAt);
    }

    /// <summary>The one token request in flight. Always completes <paramref name="completion"/>, whatever happens.</summary>
    private async Task FetchAsync(
        TaskCompletionSource<OrumAccessToken> completion,
        OrumAuthOptions options,
        int generation,
        TimeSpan wait,
        bool background)
    {
        OrumAccessToken? token = null;
        Exception? error = null;
        Task<OrumAccessToken>? request = null;
        try
        {
            if (wait > TimeSpan.Zero)
            {
                // Callers are waiting already: the previous request started less than the floor ago.
                await Task.Delay(wait, _timeProvider, _disposed.Token).ConfigureAwait(false);
            }

            // A backstop for a client that ignores its cancellation token: OrumAuthClient ends its own request at
            // TokenRequestTimeout, with what it knows (a 429's Retry-After, say), so this fires only a little later.
            using var clock = new CancellationTokenSource(options.TokenRequestTimeout + TimeoutGrace, _timeProvider);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clock.Token, _disposed.Token);

            // The request runs on its own token: a caller that stops waiting never cancels it for the others. A client
            // that answers null (a buggy one, or a mock nobody set up) fails every waiter at once rather than none.
            request = _client.RequestTokenAsync(timeout.Token) ?? throw NoToken("returned null instead of a task");
            var answered = await request.WaitAsync(timeout.Token).ConfigureAwait(false) ?? throw NoToken("completed with a null token");
            if (answered.ExpiresAt < _timeProvider.GetUtcNow())
            {
                // Useless to every waiter: Orum would refuse it. A failure, with its cool-down, rather than a 401 per call.
                throw new OrumAuthException(
                    $"The Orum token client ({_client.GetType().Name}) returned a token that had expired by the time it arrived " +
                    $"(it lived {OrumNetworkException.Seconds(answered.ExpiresIn)} s from when it was issued). No token was handed out.");
            }

            token = answered;
        }
        catch (Exception ex) when (_disposed.IsCancellationRequested)
        {
            // However the client reported the cancellation, the cause is the disposal.
            error = new OrumAuthException("The Orum token cache was disposed while a token request was in flight.", ex);
        }
        catch (OperationCanceledException ex)
        {
            error = OrumNetworkException.TokenRequestTimedOut(host: null, options.TokenRequestTimeout, ex);
        }
        catch (OrumAuthException ex)
        {
            error = ex;
        }
        catch (Exception ex)
        {
            error = new OrumAuthException($"The Orum token client failed with {ex.GetType().Name}: {ex.Message}", ex);
        }

        if (request is { IsCompleted: false })
        {
            // Abandoned after a timeout: observe its eventual failure so it is never an unobserved task exception.
            _ = request.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (background)
        {
            _telemetry.BackgroundRefresh(_credential, succeeded: token is not null);
        }

        Complete(completion, options, generation, token, error, background);
    }

    private void Complete(TaskCompletionSource<OrumAccessToken> completion, OrumAuthOptions options, int generation, OrumAccessToken? token, Exception? error, bool background)
    {
        if (Superseded(completion, generation))
        {
            return;
        }

        var keptCurrentToken = false;
        DateTimeOffset usableUntil = default;
        TimeSpan coolDown = default;
        TimeSpan retryIn = default;
        lock (_gate)
        {
            if (_pending == completion)
            {
                _pending = null;
            }

            if (generation != _generation)
            {
                // The cache was disposed while this request was in flight: its waiters get the outcome, never the cache.
            }
            else if (token is not null)
            {
                _entry = CreateEntry(token, options);
                _failure = null;
                Volatile.Write(ref _nextBackgroundAttempt, 0);
            }
            else
            {
                var now = _timeProvider.GetTimestamp();
                var entry = _entry;
                coolDown = CoolDownFor(error!);
                if (entry is not null && now < entry.UsableUntil)
                {
                    keptCurrentToken = true;
                    retryIn = coolDown > BackgroundRetryDelay ? coolDown : BackgroundRetryDelay;
                    Volatile.Write(ref _nextBackgroundAttempt, now + ToTimestampTicks(retryIn));
                    usableUntil = _timeProvider.GetUtcNow() + _timeProvider.GetElapsedTime(now, entry.UsableUntil);
                    if ((error as OrumApiException)?.RetryAfter is not null)
                    {
                        // Orum asked for a wait (Retry-After, however short): should the token become unusable (expired,
                        // or invalidated after a 401) before it has passed, callers get this failure rather than send the
                        // request Orum asked not to get.
                        _failure = completion.Task;
                        _failureUntil = now + ToTimestampTicks(coolDown);
                    }
                }
                else
                {
                    _failure = completion.Task;
                    _failureUntil = now + ToTimestampTicks(coolDown);
                }
            }
        }

        if (token is not null)
        {
            if (background)
            {
                Log.BackgroundRefreshSucceeded(_logger, _credential, token.ExpiresAt);
            }

            if (token.ExpiresIn < ShortLifetime && !_warnedShortLived)
            {
                _warnedShortLived = true;
                Log.ShortLivedToken(_logger, _credential, token.ExpiresIn);
            }

            completion.TrySetResult(token);
            return;
        }

        if (keptCurrentToken)
        {
            Log.BackgroundRefreshFailed(_logger, _credential, usableUntil, retryIn, error!);
        }
        else if (coolDown > TimeSpan.Zero)
        {
            Log.CoolDownStarted(_logger, _credential, coolDown);
        }

        completion.TrySetException(error!);
        _ = completion.Task.Exception; // observed: a background failure has no awaiter
    }

    /// <summary>
    /// A request that started before the credential changed answers for neither credential: its token may be minted for
    /// the old pair and meant for the old origins, its failure may be the old pair's. Its waiters get the answer of a
    /// request made with the current settings instead (joined if one is in flight), and nothing of it is cached.
    /// </summary>
    private bool Superseded(TaskCompletionSource<OrumAccessToken> completion, int generation)
    {
        TaskCompletionSource<OrumAccessToken>? started = null;
        Task<OrumAccessToken> replacement;
        OrumAuthOptions options;
        int current;
        var wait = TimeSpan.Zero;
        lock (_gate)
        {
            if (generation == _generation || _disposed.IsCancellationRequested)
            {
                return false;
            }

            if (_pending == completion)
            {
                _pending = null;
            }

            if (_pending is null)
            {
                started = new TaskCompletionSource<OrumAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending = started;
                wait = ReserveRequestStart(_timeProvider.GetTimestamp());
            }

            replacement = _pending.Task;
            options = _options;
            current = _generation;
        }

        if (started is not null)
        {
            _ = FetchAsync(started, options, current, wait, background: false);
        }

        _ = replacement.ContinueWith(
            static (answered, state) =>
            {
                var waiters = (TaskCompletionSource<OrumAccessToken>)state!;
                if (answered.IsCompletedSuccessfully)
                {
                    waiters.TrySetResult(answered.Result);
                }
                else
                {
                    waiters.TrySetException(answered.Exception is { } failure
                        ? failure.InnerExceptions
                        : [new OrumAuthException("The Orum token request was cancelled.")]);
                    _ = waiters.Task.Exception;
                }
            },
            completion,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return true;
    }

    private OrumAuthException NoToken(string what) => new(
        $"The Orum token client ({_client.GetType().Name}) {what}. An IOrumTokenClient must return a task that ends in a " +
        "token or an OrumAuthException; a mock must be set up to return one.");

    private Entry CreateEntry(OrumAccessToken token, OrumAuthOptions options)
    {
        var lifetime = token.ExpiresIn;
        var refreshBefore = lifetime < options.RefreshBeforeExpiry * 2 ? lifetime / 2 : options.RefreshBeforeExpiry;
        var margin = options.ExpiryMargin > lifetime / 10 ? lifetime / 10 : options.ExpiryMargin;

        // Count from when the request was sent (IssuedAt), so network latency shortens the token's life, never lengthens it.
        var now = _timeProvider.GetTimestamp();
        var remaining = token.ExpiresAt - _timeProvider.GetUtcNow();
        var usableUntil = now + ToTimestampTicks(remaining - margin);

        // The hot path checks the refresh point first, so it must never lie beyond the end of the usable window.
        var refreshAt = Math.Min(now + ToTimestampTicks(remaining - refreshBefore), usableUntil);
        return new Entry(token, refreshAt, usableUntil);
    }

    private static TimeSpan CoolDownFor(Exception error)
    {
        var retryAfter = (error as OrumApiException)?.RetryAfter;
        if (retryAfter is not { } wait || wait <= MinCoolDown)
        {
            return MinCoolDown;
        }

        return wait > MaxCoolDown ? MaxCoolDown : wait;
    }

    private void OnOptionsChanged(OrumAuthOptions changed)
    {
        bool rotated;
        lock (_gate)
        {
            rotated = !_options.SameCredential(changed);
            _options = changed;
            if (rotated)
            {
                _generation++;
                _entry = null;
                _pending = null;
                _failure = null;
                _nextRequestAt = 0;
                Volatile.Write(ref _nextBackgroundAttempt, 0);
            }
        }

        if (rotated)
        {
            Log.CredentialsRotated(_logger, _credential);
        }
    }

    // Capped, so a token that claims to live for centuries cannot overflow the timestamp and count as already expired.
    private long ToTimestampTicks(TimeSpan span) =>
        (long)((span > MaxTimestampSpan ? MaxTimestampSpan : span).TotalSeconds * _timeProvider.TimestampFrequency);

    private sealed class Entry(OrumAccessToken token, long refreshAt, long usableUntil)
    {
        public OrumAccessToken Token { get; } = token;

        public long RefreshAt { get; } = refreshAt;

        public long UsableUntil { get; } = usableUntil;
    }
}
