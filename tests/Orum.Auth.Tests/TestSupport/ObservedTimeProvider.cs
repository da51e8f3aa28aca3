using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports every timer created on it, so a test can see a retry back-off
/// being scheduled (and how long it is) and move the clock exactly past it: no real waiting, no guessing.
/// </summary>
internal sealed class ObservedTimeProvider : FakeTimeProvider
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

    public ObservedTimeProvider()
        : base(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Reported only once it is scheduled, so that a test moving the clock past it cannot do so too early.
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _created.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>
    /// Waits (up to 10 s of real time) for the next timer due in more than zero and less than
    /// <paramref name="shorterThan"/>: a retry delay, when the timeouts in play are longer.
    /// </summary>
    public async Task<TimeSpan> NextTimerAsync(TimeSpan shorterThan)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            var due = await _created.Reader.ReadAsync(limit.Token);
            if (due > TimeSpan.Zero && due < shorterThan)
            {
                return due;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> to completion, moving the clock past every delay shorter than
    /// <paramref name="shorterThan"/> it schedules (retry back-offs), and returns the delays it moved past.
    /// </summary>
    public async Task<IReadOnlyList<TimeSpan>> DriveAsync(Task call, TimeSpan shorterThan)
    {
        var advanced = new List<TimeSpan>();
        using var limit = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            var created = _created.Reader.WaitToReadAsync(limit.Token).AsTask();
            if (await Task.WhenAny(call, created) == call)
            {
                return advanced;
            }

            await created;
            while (_created.Reader.TryRead(out var due))
            {
                if (due > TimeSpan.Zero && due < shorterThan)
                {
                    advanced.Add(due);
                    Advance(due);
                }
            }
        }
    }
}
