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

    public static async Task<SandboxApp> StartAsync(
        Action<OrumAuthOptions>? configureClient = null,
        Action<IServiceCollection, OrumSandboxServer>? registerAuth = null,
        OrumSandboxOptions? sandboxOptions = null)
    {
        var time = new ObservableTimeProvider();
        sandboxOptions ??= new OrumSandboxOptions();
        sandboxOptions.TimeProvider = time;
        var server = await OrumSandboxServer.StartAsync(sandboxOptions);

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        if (registerAuth is not null)
        {
            registerAuth(services, server);
        }
        else
        {
            var auth = services.AddOrumAuth(options =>
            {
                server.ConfigureFor(options);
                configureClient?.Invoke(options);
            });
            auth.TokenResilience.Configure(resilience => resilience.Retry.Delay = TimeSpan.Zero);
        }

        services.AddHttpClient<DeliverClient>(http => http.BaseAddress = server.BaseAddress).AddOrumBearerTokenHandler();
        return new SandboxApp(server, time, services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
