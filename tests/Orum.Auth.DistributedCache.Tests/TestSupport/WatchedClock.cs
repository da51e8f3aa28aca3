using Microsoft.Extensions.Time.Testing;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// The <see cref="FakeTimeProvider"/> of the tests where replicas wait on the clock for one another: it knows which of its
/// timers are armed and for how long each was armed, so <see cref="AdvanceUntilDoneAsync"/> can move time only once every
/// replica is parked on the clock (polling for the lock holder's token, say) rather than busy with Redis, whose answers
/// take real time. Never advanced while something is busy, the clock cannot overtake a renewal or a store call.
/// </summary>
internal sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly object _gate = new();
    private readonly Dictionary<WatchedTimer, TimeSpan> _armed = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many armed timers were armed for a time that matches <paramref name="due"/>.</summary>
    public int Armed(Func<TimeSpan, bool> due)
    {
        lock (_gate)
        {
            return _armed.Values.Count(due);
        }
    }

    /// <summary>
    /// Advances the clock by <paramref name="step"/> each time <paramref name="parked"/> holds for the calls still pending,
    /// until every call is complete; fails when that takes more than <paramref name="limit"/> of simulated time or
    /// 10 seconds of real time without any progress. <paramref name="beforeStep"/> runs before each step.
    /// </summary>
    public async Task AdvanceUntilDoneAsync(
        IReadOnlyCollection<Task> calls,
        Func<int, bool> parked,
        TimeSpan step,
        TimeSpan limit,
        Action? beforeStep = null)
    {
        var until = GetUtcNow() + limit;
        while (calls.Any(c => !c.IsCompleted))
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var pending = calls.Where(c => !c.IsCompleted).ToList();
            if (pending.Count == 0)
            {
                break; // the last one completed just now
            }

            if (parked(pending.Count))
            {
                Assert.True(GetUtcNow() < until, $"{pending.Count} calls still pending after {limit} of simulated time");
                beforeStep?.Invoke();
                Advance(step);
                continue;
            }

            await Task.WhenAny(changed, Task.WhenAny(pending)).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var watched = new WatchedTimer(this);
        watched.Arm(dueTime); // before the base creates it: a timer due now fires inside CreateTimer
        watched.Inner = base.CreateTimer(
            s =>
            {
                if (period == Timeout.InfiniteTimeSpan)
                {
                    watched.Disarm();
                }

                callback(s);
            },
            state,
            dueTime,
            period);
        return watched;
    }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class WatchedTimer(WatchedClock clock) : ITimer
    {
        public ITimer? Inner { get; set; }

        public void Arm(TimeSpan due)
        {
            lock (clock._gate)
            {
                if (due == Timeout.InfiniteTimeSpan)
                {
                    clock._armed.Remove(this);
                }
                else
                {
                    clock._armed[this] = due;
                }
            }

            clock.Changed();
        }

        public void Disarm()
        {
            bool removed;
            lock (clock._gate)
            {
                removed = clock._armed.Remove(this);
            }

            if (removed)
            {
                clock.Changed();
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime);
            return Inner?.Change(dueTime, period) ?? false;
        }

        public void Dispose()
        {
            Disarm();
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disarm();
            return Inner?.DisposeAsync() ?? ValueTask.CompletedTask;
        }
    }
}
