using Microsoft.Extensions.Time.Testing;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// An <see cref="IOrumTokenClient"/> that counts requests and lets a test decide how each one ends: at once, or when
/// the test releases it (a gate), so concurrency is ordered without sleeps.
/// </summary>
internal sealed class FakeTokenClient(FakeTimeProvider time) : IOrumTokenClient
{
    private readonly object _gate = new();
    private readonly Queue<TaskCompletionSource<OrumAccessToken>> _held = new();
    private int _calls;
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the number of token requests made.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets or sets the lifetime of issued tokens (expires_in).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets whether requests wait for <see cref="Release"/> or <see cref="Fail"/>.</summary>
    public bool Hold { get; set; }

    /// <summary>Gets or sets an exception every request fails with (when not held).</summary>
    public Exception? FailWith { get; set; }

    /// <summary>Gets the cancellation token of the latest request.</summary>
    public CancellationToken LastCancellationToken { get; private set; }

    /// <summary>Completes when a request has started since the last <see cref="ResetStarted"/>.</summary>
    public Task Started => _started.Task;

    public void ResetStarted() => _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        var n = Interlocked.Increment(ref _calls);
        LastCancellationToken = cancellationToken;
        Task<OrumAccessToken> result;
        if (Hold)
        {
            var held = new TaskCompletionSource<OrumAccessToken>();
            lock (_gate)
            {
                _held.Enqueue(held);
            }

            result = held.Task;
        }
        else
        {
            result = FailWith is { } error ? Task.FromException<OrumAccessToken>(error) : Task.FromResult(Issue(n));
        }

        _started.TrySetResult();
        return result;
    }

    /// <summary>Completes the oldest held request with a new token, issued now; the cache has taken it when this returns.</summary>
    public OrumAccessToken Release()
    {
        var token = Issue(Calls);
        WithoutSynchronizationContext(() => Next().SetResult(token));
        return token;
    }

    /// <summary>Fails the oldest held request; the cache has taken the failure when this returns.</summary>
    public void Fail(Exception error) => WithoutSynchronizationContext(() => Next().SetException(error));

    /// <summary>Gets every token issued, by value.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, OrumAccessToken> Issued { get; } = new(StringComparer.Ordinal);

    public OrumAccessToken Issue(int n)
    {
        var token = new OrumAccessToken($"token-{n}", "Bearer", Lifetime, time.GetUtcNow());
        Issued[token.Value] = token;
        return token;
    }

    // xUnit runs tests under a SynchronizationContext, and .NET never inlines ConfigureAwait(false) continuations on a
    // thread that has one: they would hop to the thread pool and the test would race them. Completing the request
    // without it makes the cache's continuation run here, before Release returns, as it does in an app.
    private static void WithoutSynchronizationContext(Action action)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private TaskCompletionSource<OrumAccessToken> Next()
    {
        lock (_gate)
        {
            return _held.Dequeue();
        }
    }
}
