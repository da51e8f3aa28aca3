namespace Orum.Auth.Internal;

/// <summary>
/// Bounds the token requests that 401s from Deliver/Verify cause for one credential. A 401 for a token drops it and
/// replays with a fresh one, as long as fresh tokens work. Once a fresh token is refused too (a token for the other
/// environment, a gateway that rejects Orum's tokens, a permission reported as 401), an episode starts: a 401 may drop
/// a token only once per window, 5 s doubling to 10 min, and every other 401 goes back to its caller at once, without a
/// replay. The episode ends as soon as a replay succeeds, or once no 401 came for ten minutes after its window opened;
/// calls however sparse keep doubling it.
/// </summary>
/// <remarks>Only the 401 path comes here, under a lock of its own: the requests that succeed never touch it.</remarks>
internal sealed class UnauthorizedBackoff(TimeProvider timeProvider)
{
    internal static readonly TimeSpan FirstWindow = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan LastWindow = TimeSpan.FromMinutes(10);

    private readonly object _gate = new();
    private string? _dropped;         // the token whose 401 last dropped it: its other 401s join that refresh
    private DateTimeOffset _droppedAt;
    private long _droppedTimestamp;
    private bool _replacementJudged;  // whether the token that replaced it has been seen refused (or working)
    private TimeSpan _window;         // zero outside an episode
    private long _nextDrop;           // inside an episode: no token dropped before this timestamp

    /// <summary>How a 401 for a token that went with the request is to be handled.</summary>
    internal enum Verdict
    {
        /// <summary>Drop the token and replay with a fresh one.</summary>
        Drop,

        /// <summary>Inside an episode's window: hand the 401 back at once, keep the token.</summary>
        HandBack,

        /// <summary>As <see cref="HandBack"/>, and an episode has just started: worth one warning.</summary>
        HandBackFirst,
    }

    /// <summary>Gets the window now in force (zero outside an episode): how long until a 401 may drop a token again.</summary>
    internal TimeSpan Window
    {
        get
        {
            lock (_gate)
            {
                return _window;
            }
        }
    }

    /// <summary>Decides what a 401 for <paramref name="token"/> does.</summary>
    internal Verdict OnUnauthorized(OrumAccessToken token)
    {
        lock (_gate)
        {
            var now = timeProvider.GetTimestamp();
            if (string.Equals(token.Value, _dropped, StringComparison.Ordinal))
            {
                return Verdict.Drop; // another request's 401 for a token already dropped: share its replacement
            }

            // Without a replay of its own (RetryOnUnauthorized off, or a body that cannot be resent) the first word on the
            // replacement is the next 401 for it.
            var started = _dropped is not null && !_replacementJudged && token.IssuedAt >= _droppedAt && Persists();
            if (_window > TimeSpan.Zero && now < _nextDrop)
            {
                return started ? Verdict.HandBackFirst : Verdict.HandBack;
            }

            if (_window > TimeSpan.Zero && timeProvider.GetElapsedTime(_nextDrop, now) >= LastWindow)
            {
                _window = TimeSpan.Zero; // no 401 for ten minutes past the window: the episode is over
            }

            if (_window > TimeSpan.Zero)
            {
                // The window of this drop: if its replacement is refused too, the next drop waits for it.
                _nextDrop = now + ToTicks(_window);
            }

            _dropped = token.Value;
            _droppedAt = timeProvider.GetUtcNow();
            _droppedTimestamp = now;
            _replacementJudged = false;
            return Verdict.Drop;
        }
    }

    /// <summary>The replay with the fresh token was refused too. Returns whether an episode has just started.</summary>
    internal bool ReplayRefused()
    {
        lock (_gate)
        {
            return !_replacementJudged && Persists();
        }
    }

    /// <summary>A replay with a fresh token succeeded: 401s are ordinary revocations again.</summary>
    internal void ReplaySucceeded()
    {
        lock (_gate)
        {
            _replacementJudged = true;
            _window = TimeSpan.Zero;
        }
    }

    // The fresh token was refused: the next drop waits a window after the last one, doubled at each refusal. Returns
    // whether an episode starts with it.
    private bool Persists()
    {
        _replacementJudged = true;
        var starting = _window == TimeSpan.Zero;
        _window = starting ? FirstWindow : (_window * 2 < LastWindow ? _window * 2 : LastWindow);
        _nextDrop = _droppedTimestamp + ToTicks(_window);
        return starting;
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * timeProvider.TimestampFrequency);
}
