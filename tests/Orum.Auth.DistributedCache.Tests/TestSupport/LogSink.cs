using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>Records every log event of the replicas it is added to, and lets a test wait for a number of them.</summary>
internal sealed class LogSink : ILoggerProvider
{
    public const string Category = "Orum.Auth.DistributedTokenCache";
    public const int StoreFailed = 101;
    public const int StoreRecovered = 102;
    public const int WaitingForOtherReplica = 104;
    public const int OtherReplicaTooSlow = 105;
    public const int UnencryptedStorage = 107;
    public const int SharedFailureStored = 108;
    public const int SharedFailureUsed = 109;
    public const int RejectedTokenForgotten = 110;
    public const int LockRenewed = 111;
    public const int LockLost = 112;
    public const int LockTakenOver = 113;

    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly object _gate = new();
    private readonly List<(Func<LogSink, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public int Count(int eventId, string category = Category) =>
        _events.Count(e => e.EventId == eventId && e.Category == category);

    /// <summary>Completes once <paramref name="condition"/> holds; bounded by the caller.</summary>
    public Task WhenAsync(Func<LogSink, bool> condition)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, done));
        }

        return done.Task;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEvent logEvent)
    {
        _events.Enqueue(logEvent);
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(this))
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal sealed record LogEvent(string Category, int EventId, LogLevel Level, string Message);

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add(new LogEvent(category, eventId.Id, logLevel, formatter(state, exception)));
    }
}
