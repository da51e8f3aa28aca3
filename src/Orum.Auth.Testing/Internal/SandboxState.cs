using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Orum.Auth.Testing.Internal;

/// <summary>Everything the endpoints share: the accepted credentials, issued tokens, queued faults and counters.</summary>
internal sealed class SandboxState : IDisposable
{
    private readonly ConcurrentQueue<OrumSandboxFault> _faults = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _waitersGate = new();
    private readonly List<(int Count, TaskCompletionSource Completion)> _waiters = [];
    private volatile Pair _credentials;
    private volatile Func<OrumSandboxFault?>? _faultSource;
    private int _tokenRequests;
    private int _apiRequests;

    internal SandboxState(string clientId, string clientSecret, TimeSpan tokenLifetime, TimeProvider timeProvider)
    {
        _credentials = new Pair(clientId, clientSecret);
        TimeProvider = timeProvider;
        Tokens = new TokenStore(tokenLifetime, timeProvider);
    }

    internal TimeProvider TimeProvider { get; }

    internal TokenStore Tokens { get; }

    internal string ClientId => _credentials.ClientId;

    internal string ClientSecret => _credentials.ClientSecret;

    /// <summary>The accepted pair, read at once: a concurrent rotation never mixes an old id with a new secret.</summary>
    internal (string ClientId, string ClientSecret) Credentials
    {
        get
        {
            var current = _credentials;
            return (current.ClientId, current.ClientSecret);
        }
    }

    /// <summary>Cancelled when the server stops, so that no handler keeps it waiting (a delay on a fake clock, for one).</summary>
    internal CancellationToken Stopping => _stopping.Token;

    internal int TokenRequestCount => Volatile.Read(ref _tokenRequests);

    internal int ApiRequestCount => Volatile.Read(ref _apiRequests);

    internal void EnqueueFault(OrumSandboxFault fault) => _faults.Enqueue(fault);

    internal void SetFaultSource(Func<OrumSandboxFault?>? source) => _faultSource = source;

    /// <summary>The next queued fault; when none is queued, what the fault source says (null: answer normally).</summary>
    internal OrumSandboxFault? TryDequeueFault() => _faults.TryDequeue(out var fault) ? fault : _faultSource?.Invoke();

    internal void RotateCredentials(string clientId, string clientSecret) => _credentials = new Pair(clientId, clientSecret);

    /// <summary>Compares in constant time, as a real token endpoint must, so the emulator never models a timing leak.</summary>
    internal bool Accepts(string clientId, string clientSecret)
    {
        var current = _credentials;
        var idMatches = FixedTimeEquals(clientId, current.ClientId);
        var secretMatches = FixedTimeEquals(clientSecret, current.ClientSecret);
        return idMatches & secretMatches;
    }

    internal void CountApiRequest() => Interlocked.Increment(ref _apiRequests);

    internal void CountTokenRequest()
    {
        lock (_waitersGate)
        {
            var count = ++_tokenRequests;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= count)
                {
                    _waiters[i].Completion.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal Task WaitForTokenRequestsAsync(int count, CancellationToken cancellationToken)
    {
        TaskCompletionSource completion;
        lock (_waitersGate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_tokenRequests >= count)
            {
                return Task.CompletedTask;
            }

            completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, completion));
        }

        return completion.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        lock (_waitersGate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            foreach (var (_, completion) in _waiters)
            {
                completion.TrySetException(new ObjectDisposedException(nameof(OrumSandboxServer), "The Orum sandbox server stopped before the awaited token requests arrived."));
            }

            _waiters.Clear();
        }
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private sealed record Pair(string ClientId, string ClientSecret);
}
