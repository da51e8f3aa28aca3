using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// The real stack against a real <see cref="OrumSandboxServer"/> on loopback, driven tick by tick on one
/// <see cref="FakeTimeProvider"/> shared by the emulator and the client's container: <c>AddOrumAuth</c> with the default
/// token policy (3 attempts, back-off from 1 s with jitter, 30 s background retry, 5 s cool-down), HttpClientFactory, and
/// typed <see cref="DeliverClient"/>s with <c>AddOrumBearerTokenHandler</c>, one per worker. Only the jitter is seeded, so a
/// run is repeatable. Probes record what reaches the wire (<see cref="Api"/>, <see cref="TokenAttempts"/>), the emulator's
/// faults (<see cref="Faults"/>) and every token acquisition (<see cref="Acquisitions"/>).
/// </summary>
/// <remarks>
/// Time moves only when the test says so, and in steps of <see cref="Step"/> while something waits on the clock (a retry's
/// back-off, a <c>Retry-After</c>, an emulator stall: a timer the <see cref="WatchedClock"/> saw armed since the token
/// request last touched the wire): never while a request carrying a token is on the wire, so the emulator judges a token
/// at the moment it was sent, and never while a response is still being read or mapped.
/// </remarks>
public sealed class ChaosApp : IAsyncDisposable
{
    /// <summary>A named credential, so the acquisition log can tell its activities from any others.</summary>
    public const string Credential = "chaos";

    public static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    // A token acquisition ends within 30 s (the pipeline's total timeout), so a tick never needs more than this.
    private const int MaxStepsPerWait = 120;

    // What a token request can wait on is shorter than the pipeline's 10 s attempt timeout: a back-off (from 1 s, with
    // jitter), a Retry-After it honours (at most 10 s, else it is not retried), an emulator stall (5 s). The timeouts
    // (10 s per attempt, 30 s in all, TokenRequestTimeout 30 s) are armed too, but they are not what anything waits on.
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    private readonly DeliverClient[] _workers;
    private int _disposed;

    private ChaosApp(WatchedClock time, OrumSandboxServer server, TokenFaultPlan faults, ApiWire api, TokenWire tokenAttempts, TokenAcquisitionLog acquisitions, ServiceProvider services, int workers)
    {
        Time = time;
        Server = server;
        Faults = faults;
        Api = api;
        TokenAttempts = tokenAttempts;
        Acquisitions = acquisitions;
        Services = services;
        Start = time.GetUtcNow();
        _workers = [.. Enumerable.Range(0, workers).Select(_ => services.GetRequiredService<DeliverClient>())];
    }

    public WatchedClock Time { get; }

    public OrumSandboxServer Server { get; }

    public TokenFaultPlan Faults { get; }

    public ApiWire Api { get; }

    public TokenWire TokenAttempts { get; }

    public TokenAcquisitionLog Acquisitions { get; }

    public ServiceProvider Services { get; }

    public DateTimeOffset Start { get; }

    public TimeSpan Elapsed => Time.GetUtcNow() - Start;

    /// <summary>
    /// Gets whether what is still running waits on the clock: a token acquisition whose request has reached the emulator
    /// (before that, it is only code warming up) with a short timer armed since its attempt last touched the wire (a
    /// back-off, a Retry-After, a stall), and no request with a token on the wire. A response still being read or mapped
    /// has armed nothing yet, so the clock waits for it.
    /// </summary>
    private bool WaitingOnTheClock =>
        Acquisitions.InProgress > 0
        && Server.TokenRequestCount > Acquisitions.RequestsAtLastStart
        && Api.InFlight == 0
        && Time.HasArmedTimer(TokenAttempts.LastEvent, LongestWait);

    public static async Task<ChaosApp> StartAsync(TimeSpan tokenLifetime, int workers, int seed)
    {
        var time = new WatchedClock(new DateTimeOffset(2026, 1, 15, 9, 0, 0, TimeSpan.Zero));
        var faults = new TokenFaultPlan(time);
        var server = await OrumSandboxServer.StartAsync(new OrumSandboxOptions { TimeProvider = time, TokenLifetime = tokenLifetime }).Within();
        server.SetFaultSource(faults.Next);

        var api = new ApiWire(time);
        var tokenAttempts = new TokenWire(time);
        var jitter = new Random(seed);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var auth = services.AddOrumAuth(Credential, options => server.ConfigureFor(options));
        auth.TokenResilience.Configure(resilience => resilience.Retry.Randomizer = () =>
        {
            lock (jitter)
            {
                return jitter.NextDouble();
            }
        });
        auth.TokenHttpClient.AddHttpMessageHandler(tokenAttempts.CreateHandler);
        services.AddHttpClient<DeliverClient>(http => http.BaseAddress = server.BaseAddress)
            .AddOrumBearerTokenHandler(Credential)
            .AddHttpMessageHandler(api.CreateHandler);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var acquisitions = new TokenAcquisitionLog(Credential, time, () => server.TokenRequestCount);
        return new ChaosApp(time, server, faults, api, tokenAttempts, acquisitions, provider, workers);
    }

    /// <summary>
    /// Moves the clock to <paramref name="target"/> (no-op when it is already there or past): in one jump when nothing
    /// is under way, in steps while a token acquisition (a background refresh, say) is.
    /// </summary>
    public async Task AdvanceToAsync(DateTimeOffset target)
    {
        var watch = Stopwatch.StartNew();
        while (Time.GetUtcNow() < target)
        {
            if (Acquisitions.InProgress == 0)
            {
                Time.Advance(target - Time.GetUtcNow());
                return;
            }

            if (WaitingOnTheClock)
            {
                var remaining = target - Time.GetUtcNow();
                Time.Advance(remaining < Step ? remaining : Step);
            }

            // A poll, not a sleep that orders anything: the work in flight runs on real sockets and threads, and the
            // clock moves only on what WaitingOnTheClock observes, never because real time has passed.
            await Task.Delay(1);
            ThrowIfStuck(watch, "advancing the clock");
        }
    }

    /// <summary>Every worker makes one Deliver call now; the clock moves only as far as the calls need to finish.</summary>
    public async Task<CallTick> TickAsync()
    {
        var at = Time.GetUtcNow();
        var calls = new Task<Exception?>[_workers.Length];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = CallAsync(_workers[i]);
        }

        var all = Task.WhenAll(calls);
        var watch = Stopwatch.StartNew();
        for (var steps = 0; !all.IsCompleted;)
        {
            if (WaitingOnTheClock)
            {
                Assert.True(++steps <= MaxStepsPerWait, $"The calls of the tick at {at:O} still wait after {MaxStepsPerWait} simulated seconds.");
                Time.Advance(Step);
            }

            await Task.WhenAny(all, Task.Delay(1)); // a poll, as in AdvanceToAsync
            ThrowIfStuck(watch, "the calls of a tick");
        }

        return new CallTick(at, await all);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // As SandboxApp: the emulator first, so requests in flight end at once; then keep the clock moving for Polly's
        // pipeline disposal, which waits for executions in flight by sleeping on the pipeline's (fake) clock.
        await Server.DisposeAsync();
        var disposal = Services.DisposeAsync().AsTask();
        for (var tick = 0; tick < 60 && !disposal.IsCompleted; tick++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(disposal, Task.Delay(TimeSpan.FromMilliseconds(10)));
        }

        await disposal.Within();
        Acquisitions.Dispose();
    }

    private static async Task<Exception?> CallAsync(DeliverClient deliver)
    {
        try
        {
            await deliver.GetAvailableBalanceAsync();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static void ThrowIfStuck(Stopwatch watch, string what)
    {
        if (watch.Elapsed > Bounded.Timeout)
        {
            throw new TimeoutException($"Gave up on {what} after {Bounded.Timeout.TotalSeconds} s of real time.");
        }
    }
}
