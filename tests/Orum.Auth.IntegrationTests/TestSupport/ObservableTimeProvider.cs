using Microsoft.Extensions.Time.Testing;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells when someone starts waiting for a given span, so a test can advance
/// the clock exactly when a retry's back-off (or any other wait) has begun, never before.
/// </summary>
public sealed class ObservableTimeProvider : TimeProvider
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 15, 9, 0, 0, TimeSpan.Zero));
    private readonly object _gate = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Started)> _waiters = [];
    private readonly List<TimeSpan> _started = [];

    public override long TimestampFrequency => _clock.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    public override long GetTimestamp() => _clock.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => _clock.LocalTimeZone;

    public void Advance(TimeSpan delta) => _clock.Advance(delta);

    /// <summary>Completes once a timer with exactly <paramref name="dueTime"/> has been created (now or earlier).</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime)
    {
        lock (_gate)
        {
            if (_started.Contains(dueTime))
            {
                return Task.CompletedTask;
            }

            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, started));
            return started.Task;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _clock.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _started.Add(dueTime);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].DueTime == dueTime)
                {
                    _waiters[i].Started.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        return timer;
    }
}
