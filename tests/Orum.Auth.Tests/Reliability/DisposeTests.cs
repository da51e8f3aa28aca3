using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

/// <summary>
/// Disposing the service provider leaves nothing of Orum.Auth running: no timer created through the container's
/// <see cref="TimeProvider"/> (ours or Polly's), no token request in flight (counted by its
/// <c>Orum.Auth.RequestToken</c> activity), and no socket open to the token endpoint (counted by a real loopback server).
/// </summary>
public class DisposeTests
{
    [Fact]
    public async Task DisposingServiceProvider_WithTokenRequestInFlight_EndsItAndLeavesNoTimerTaskOrSocket()
    {
        await using var server = new LoopbackTokenServer { Hang = true };
        using var requests = new TokenRequestsInFlight();
        var time = new CountingTimeProvider();
        var provider = Build(server, time, requests.Credential);

        var waiting = provider.GetRequiredKeyedService<IOrumTokenProvider>(requests.Credential).GetTokenAsync().AsTask();
        await server.RequestReceived.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(time.ActiveTimers > 0, "the request in flight should own timeouts");
        Assert.Equal(1, requests.Count);
        Assert.Equal(1, server.OpenConnections);

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<OrumAuthException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
        await server.AllClosedAsync().WaitAsync(TimeSpan.FromSeconds(10)); // the HTTP request itself was ended, not abandoned
        await WaitUntilAsync(() => time.ActiveTimers == 0 && requests.Count == 0);
        Assert.Equal(0, time.ActiveTimers);
        Assert.Equal(0, requests.Count);
        Assert.Equal(0, server.OpenConnections);
        Assert.Equal(1, server.AcceptedConnections);
    }

    [Fact]
    public async Task DisposingServiceProvider_AfterATokenRequest_ClosesThePooledConnection()
    {
        await using var server = new LoopbackTokenServer();
        using var requests = new TokenRequestsInFlight();
        var time = new CountingTimeProvider();
        var provider = Build(server, time, requests.Credential);

        var token = await provider.GetRequiredKeyedService<IOrumTokenProvider>(requests.Credential).GetTokenAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("made-up-loopback-token", token.Value);
        Assert.Equal(1, server.OpenConnections); // kept alive in the token client's connection pool

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        await server.AllClosedAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => time.ActiveTimers == 0);
        Assert.Equal(0, time.ActiveTimers);
        Assert.Equal(0, requests.Count);
        Assert.Equal(0, server.OpenConnections);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task DisposedTokenCache_RefusesNewCalls()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var client = new FakeTokenClient(time);
        var cache = new TokenCache(client, new OrumAuthOptions(), time);
        await cache.GetTokenAsync();
        cache.Invalidate(await cache.GetTokenAsync());

        cache.Dispose();
        cache.Dispose(); // idempotent

        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.GetTokenAsync().AsTask());
        Assert.Equal(1, client.Calls);
    }

    private static ServiceProvider Build(LoopbackTokenServer server, TimeProvider time, string credential)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddOrumAuth(credential, o =>
        {
            o.ClientId = "made-up-id";
            o.ClientSecret = "made-up-secret";
            o.ApiBaseAddress = server.BaseAddress;
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    // Timers are disposed and sockets closed by the code that finishes last (the request's continuation); wait for it, bounded.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Yield();
        }
    }

    /// <summary>Counts the token requests of one test's credential that started and have not ended, by their activity.</summary>
    private sealed class TokenRequestsInFlight : IDisposable
    {
        private readonly ConcurrentDictionary<Activity, byte> _running = new();
        private readonly ActivityListener _listener;

        public TokenRequestsInFlight()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Orum.Auth",
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = a => _running.TryAdd(a, 0),
                ActivityStopped = a => _running.TryRemove(a, out _),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>A credential name of this test alone, so activities of tests running alongside are not counted.</summary>
        public string Credential { get; } = "dispose-" + Guid.NewGuid().ToString("N");

        public int Count => _running.Keys.Count(a => a.OperationName == "Orum.Auth.RequestToken" && Equals(a.GetTagItem("orum.auth.credential"), Credential));

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>The system clock, counting the timers created through it that are still alive.</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _active;

        public int ActiveTimers => Volatile.Read(ref _active);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _active);
            return new CountedTimer(System.CreateTimer(callback, state, dueTime, period), this);
        }

        private sealed class CountedTimer(ITimer inner, CountingTimeProvider owner) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref owner._active);
                }

                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
