using System.Collections.Concurrent;
using System.Diagnostics;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Listens to the <c>Orum.Auth</c> activity source (part of the package's documented telemetry) and records every token
/// acquisition of one credential: when it started and ended on the shared clock, its outcome and its attempts.
/// <see cref="InProgress"/> tells the clock driver that a token request (perhaps a background refresh) is under way.
/// </summary>
public sealed class TokenAcquisitionLog : IDisposable
{
    private const string SourceName = "Orum.Auth";
    private const string ActivityName = "Orum.Auth.RequestToken";

    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<Activity, (DateTimeOffset At, int Requests)> _started = new();
    private readonly object _gate = new();
    private readonly List<TokenAcquisition> _completed = [];
    private int _inProgress;
    private int _requestsAtLastStart;

    public TokenAcquisitionLog(string credential, TimeProvider time, Func<int> requests)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == ActivityName)
                {
                    var before = requests();
                    _started[activity] = (time.GetUtcNow(), before);
                    Volatile.Write(ref _requestsAtLastStart, before);
                    Interlocked.Increment(ref _inProgress);
                }
            },
            ActivityStopped = activity =>
            {
                if (!_started.TryRemove(activity, out var start))
                {
                    return;
                }

                if (Equals(activity.GetTagItem("orum.auth.credential"), credential))
                {
                    var acquisition = new TokenAcquisition(
                        start.At,
                        time.GetUtcNow(),
                        activity.GetTagItem("orum.auth.outcome") as string ?? "?",
                        activity.GetTagItem("orum.auth.error_code") as string ?? "?",
                        activity.GetTagItem("orum.auth.attempts") as int? ?? -1,
                        start.Requests,
                        requests());
                    lock (_gate)
                    {
                        _completed.Add(acquisition);
                    }
                }

                Interlocked.Decrement(ref _inProgress);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public int InProgress => Volatile.Read(ref _inProgress);

    /// <summary>Gets the emulator's token request count when the latest acquisition started (the cache has one at a time).</summary>
    public int RequestsAtLastStart => Volatile.Read(ref _requestsAtLastStart);

    /// <summary>Gets the finished acquisitions, in the order they ended.</summary>
    public IReadOnlyList<TokenAcquisition> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
