using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

public class DisposeTests
{
    [Fact]
    public async Task DisposingServiceProvider_WithTokenRequestInFlight_EndsItAndLeavesNoTimerOrTask()
    {
        var time = new CountingTimeProvider();
        var endpoint = new HangingEndpoint();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddOrumAuth(o =>
        {
            o.ClientId = "made-up-id";
            o.ClientSecret = "made-up-secret";
        }).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => endpoint);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var waiting = provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask();
        await endpoint.Started.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(time.ActiveTimers > 0, "the request in flight should own timeouts");

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<OrumAuthException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
        await endpoint.Cancelled.WaitAsync(TimeSpan.FromSeconds(10)); // the HTTP request itself was ended, not abandoned
        await WaitUntilAsync(() => time.ActiveTimers == 0);
        Assert.Equal(0, time.ActiveTimers);
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

    // Timers are disposed by the code that finishes last (the request's continuation); wait for it, bounded.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Yield();
        }
    }

    private sealed class HangingEndpoint : HttpMessageHandler
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public Task Cancelled => _cancelled.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new InvalidOperationException("unreachable");
            }
            catch (OperationCanceledException)
            {
                _cancelled.TrySetResult();
                throw;
            }
        }
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
