using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// The real stack a user builds, against a real <see cref="OrumSandboxServer"/> on loopback: <c>AddOrumAuth</c>,
/// HttpClientFactory, a typed <see cref="DeliverClient"/> with <c>AddOrumBearerTokenHandler</c>, real sockets. Server and
/// client share one fake clock. The only change from the defaults: the token pipeline's back-off is zero, so retries
/// that Orum does not ask to delay happen at once instead of after real seconds.
/// </summary>
public sealed class SandboxApp : IAsyncDisposable
{
    private SandboxApp(OrumSandboxServer server, ObservableTimeProvider time, ServiceProvider services)
    {
        Server = server;
        Time = time;
        Services = services;
    }

    public OrumSandboxServer Server { get; }

    public ObservableTimeProvider Time { get; }

    public ServiceProvider Services { get; }

    public DeliverClient Deliver => Services.GetRequiredService<DeliverClient>();

    /// <summary>Starts a sandbox and the user's stack against it.</summary>
    /// <param name="configureClient">Changes to the options after <c>server.ConfigureFor</c>.</param>
    /// <param name="configureAuth">Changes to the credential's builder (token HttpClient, resilience).</param>
    /// <param name="sandboxOptions">The sandbox's options; its clock is always the shared one.</param>
    /// <param name="registerAuth">Registers the credential some other way (from configuration, say) instead of in code.</param>
    /// <param name="configureServices">More services (logging, metrics), added after the user's stack.</param>
    public static async Task<SandboxApp> StartAsync(
        Action<OrumAuthOptions>? configureClient = null,
        Action<IOrumAuthBuilder>? configureAuth = null,
        OrumSandboxOptions? sandboxOptions = null,
        Func<IServiceCollection, OrumSandboxServer, IOrumAuthBuilder>? registerAuth = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var time = new ObservableTimeProvider();
        sandboxOptions ??= new OrumSandboxOptions();
        sandboxOptions.TimeProvider = time;
        var server = await OrumSandboxServer.StartAsync(sandboxOptions).Within();

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var auth = registerAuth?.Invoke(services, server) ?? services.AddOrumAuth(options =>
        {
            server.ConfigureFor(options);
            configureClient?.Invoke(options);
        });
        auth.TokenResilience.Configure(resilience => resilience.Retry.Delay = TimeSpan.Zero);
        configureAuth?.Invoke(auth);

        services.AddHttpClient<DeliverClient>(http => http.BaseAddress = server.BaseAddress).AddOrumBearerTokenHandler();
        configureServices?.Invoke(services);
        return new SandboxApp(server, time, services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
    }

    public async ValueTask DisposeAsync()
    {
        // The sandbox first: requests still in flight (a background refresh, say) end at once instead of waiting on it.
        await Server.DisposeAsync();

        // Polly's pipeline disposal waits for executions still in flight by sleeping 1 s at a time on the pipeline's
        // clock, which here is the fake one: keep that clock moving until disposal completes (Polly gives up after 30 s).
        var disposal = Services.DisposeAsync().AsTask();
        for (var tick = 0; tick < 60 && !disposal.IsCompleted; tick++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(disposal, Task.Delay(TimeSpan.FromMilliseconds(10)));
        }

        await disposal.Within();
    }
}
