using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// Replicas on one store, one token endpoint and one clock, for the property tests. Each replica's token client (the
/// distributed cache's, as registered) is wrapped in a <see cref="WatchedTokenClient"/>, so the test knows when every
/// token request of every replica, background refreshes included, has ended (<see cref="SettleAsync"/>) and which tokens
/// each replica's cache was given, and when. The pipeline's retries are off: one acquisition is one request.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    private readonly List<Member> _members = [];

    private Fleet()
    {
    }

    /// <summary>The step of the test now running, stamped on every token request as it starts.</summary>
    public int Step { get; set; }

    public IReadOnlyList<Member> Members => _members;

    public static Fleet Create(
        int size,
        TokenEndpoint endpoint,
        Action<IServiceCollection> store,
        Action<OrumDistributedTokenCacheOptions> configure,
        TimeProvider time)
    {
        var fleet = new Fleet();
        for (var i = 0; i < size; i++)
        {
            var logs = new LogSink();
            WatchedTokenClient? client = null;
            var provider = Replica.Create(
                endpoint,
                store,
                configure,
                logs: logs,
                timeProvider: time,
                auth: b => b.TokenResilience.Configure(o => o.Retry.ShouldHandle = static _ => PredicateResult.False()),
                more: services => WatchedTokenClient.Decorate(services, inner => client = new WatchedTokenClient(inner, fleet)));
            var tokens = provider.Tokens(); // builds the cache, and so the watched client
            fleet._members.Add(new Member(i, provider, tokens, client!, logs));
        }

        return fleet;
    }

    /// <summary>
    /// Returns once no token request is in flight on any replica and every rejected token a replica was told of has been
    /// dealt with in the store (event 110), so the next step starts from a fleet at rest.
    /// </summary>
    public async Task SettleAsync()
    {
        for (var round = 0; round < 100; round++)
        {
            foreach (var member in _members)
            {
                await member.Client.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
                var rejections = member.Client.Rejections;
                await member.Logs.WhenAsync(l => l.Count(LogSink.RejectedTokenForgotten) >= rejections).WaitAsync(TimeSpan.FromSeconds(10));
            }

            if (_members.All(m => m.Client.InFlight == 0))
            {
                return;
            }
        }

        Assert.Fail("the fleet never came to rest");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.Provider.DisposeAsync();
        }
    }

    internal sealed record Member(int Index, ServiceProvider Provider, IOrumTokenProvider Tokens, WatchedTokenClient Client, LogSink Logs)
    {
        /// <summary>The token this replica handed out last.</summary>
        public OrumAccessToken? Last { get; set; }

        /// <summary>Tokens this replica's cache was told were rejected.</summary>
        public HashSet<string> Invalidated { get; } = new(StringComparer.Ordinal);

        public override string ToString() => $"replica {Index}";
    }

    /// <summary>Wraps a replica's token client: counts its requests in flight, records what each returned, forwards rejections.</summary>
    internal sealed class WatchedTokenClient(IOrumTokenClient inner, Fleet fleet) : IOrumTokenClient, IOrumTokenRejectionListener, IAsyncDisposable
    {
        private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
        private int _rejections;

        public int InFlight => _inFlight.Count;

        public int Rejections => Volatile.Read(ref _rejections);

        /// <summary>Every token the cache was given, with the step its request started in.</summary>
        public ConcurrentQueue<(string Token, int Step)> Fetched { get; } = new();

        /// <summary>Replaces the registration of the default credential's token client with a wrapper around it.</summary>
        public static void Decorate(IServiceCollection services, Func<IOrumTokenClient, IOrumTokenClient> wrap)
        {
            var registered = services.Last(d => d.ServiceType == typeof(IOrumTokenClient) && d.ServiceKey is null);
            Func<IServiceProvider, object> create = registered.ImplementationFactory
                ?? throw new InvalidOperationException("The token client is no longer registered by a factory: update the test's wrapper.");
            services.Remove(registered);
            services.AddSingleton(sp => wrap((IOrumTokenClient)create(sp)));
        }

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            var step = fleet.Step;
            var request = RequestAsync(step, cancellationToken);
            _inFlight[request] = 0;
            _ = request.ContinueWith(
                t => _inFlight.TryRemove(t, out _),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return request;
        }

        public void OnTokenRejected(OrumAccessToken rejected)
        {
            Interlocked.Increment(ref _rejections);
            (inner as IOrumTokenRejectionListener)?.OnTokenRejected(rejected);
        }

        public async Task WhenIdleAsync()
        {
            while (!_inFlight.IsEmpty)
            {
                // Their outcome is the caller's business; only their end matters here.
                await Task.WhenAll(_inFlight.Keys)
                    .ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }

        public async ValueTask DisposeAsync()
        {
            switch (inner)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        private async Task<OrumAccessToken> RequestAsync(int step, CancellationToken cancellationToken)
        {
            var token = await inner.RequestTokenAsync(cancellationToken);
            Fetched.Enqueue((token.Value, step));
            return token;
        }
    }
}
