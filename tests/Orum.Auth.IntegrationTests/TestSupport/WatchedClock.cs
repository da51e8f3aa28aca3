using Microsoft.Extensions.Time.Testing;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// The chaos and outage tests' shared <see cref="FakeTimeProvider"/>, which also knows which of its timers are armed and
/// when each was armed, on a sequence (<see cref="Mark"/>) that the wire probes share. The clock driver can then tell
/// "a token request waits on the clock" (a back-off, a <c>Retry-After</c> or an emulator stall armed since the request
/// last touched the wire) from "a token request is busy" (a response being read or mapped), without guessing.
/// </summary>
public sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly object _gate = new();
    private readonly Dictionary<WatchedTimer, (long Armed, TimeSpan Due)> _armed = [];
    private long _sequence;

    /// <summary>Takes the next number of the sequence shared by timer arming and wire events.</summary>
    public long Mark() => Interlocked.Increment(ref _sequence);

    /// <summary>Whether a timer due in more than zero and less than <paramref name="shorterThan"/> was armed after <paramref name="mark"/> and has not fired or been disposed.</summary>
    public bool HasArmedTimer(long mark, TimeSpan shorterThan)
    {
        lock (_gate)
        {
            return _armed.Values.Any(t => t.Armed > mark && t.Due > TimeSpan.Zero && t.Due < shorterThan);
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
                    clock._armed[this] = (clock.Mark(), due);
                }
            }
        }

        public void Disarm()
        {
            lock (clock._gate)
            {
                clock._armed.Remove(this);
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
