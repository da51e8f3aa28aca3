using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orum.Auth;
using Orum.Auth.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Orum credentials: options validated at start-up, a token client, and a singleton <see cref="TokenCache"/>.</summary>
public static class OrumAuthServiceCollectionExtensions
{
    /// <summary>Registers the default Orum credential, configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to configure the credential further.</returns>
    public static IOrumAuthBuilder AddOrumAuth(this IServiceCollection services, Action<OrumAuthOptions> configure) =>
        services.AddOrumAuth(Options.Options.DefaultName, configure);

    /// <summary>Registers the default Orum credential, bound from a configuration section such as <c>"Orum"</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind; it is followed when it reloads.</param>
    /// <returns>A builder to configure the credential further.</returns>
    public static IOrumAuthBuilder AddOrumAuth(this IServiceCollection services, IConfiguration configuration) =>
        services.AddOrumAuth(Options.Options.DefaultName, configuration);

    /// <summary>Registers a named Orum credential, configured in code. Resolve it with <c>[FromKeyedServices(name)]</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The credential name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to configure the credential further.</returns>
    public static IOrumAuthBuilder AddOrumAuth(this IServiceCollection services, string name, Action<OrumAuthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(services, name, options => options.Configure(configure), OrumAuthOptionsValidator.ForCode(name));
    }

    /// <summary>Registers a named Orum credential, bound from a configuration section. Resolve it with <c>[FromKeyedServices(name)]</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The credential name.</param>
    /// <param name="configuration">The section to bind; it is followed when it reloads.</param>
    /// <returns>A builder to configure the credential further.</returns>
    public static IOrumAuthBuilder AddOrumAuth(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configuration);
        // A section names its settings by its path ("Orum:ClientId"); a configuration root binds top-level keys ("ClientId").
        var prefix = configuration is IConfigurationSection section ? section.Path : string.Empty;
        return AddCore(services, name, options => options.Bind(configuration), new OrumAuthOptionsValidator(name, prefix, ':'));
    }

    private static OrumAuthBuilder AddCore(IServiceCollection services, string name, Action<OptionsBuilder<OrumAuthOptions>> configure, OrumAuthOptionsValidator validator)
    {
        var key = ServiceKey(name);
        var options = services.AddOptions<OrumAuthOptions>(name);
        configure(options);

        // Calling AddOrumAuth again for the same credential adds configuration, never a second set of services.
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(OrumAuthBuilder) && Equals(d.ServiceKey, key ?? string.Empty))?.KeyedImplementationInstance;
        if (existing is OrumAuthBuilder registered)
        {
            return registered;
        }

        var httpClientName = OrumAuthDefaults.GetTokenHttpClientName(name);
        var tokenHttpClient = services.AddHttpClient(httpClientName);

        // App-wide defaults (ConfigureHttpClientDefaults: .NET Aspire's service defaults put a standard resilience handler on
        // every client) never reach the token client: its retries, timeouts and handlers are Orum's alone. HttpClientFactory
        // applies defaults before any client's own configuration (registered through the client's builder, it keeps them
        // there), so this, the client's first, drops exactly them; the app's own TokenHttpClient configuration stays.
        tokenHttpClient.Services.Configure<HttpClientFactoryOptions>(httpClientName, static options =>
        {
            options.HttpMessageHandlerBuilderActions.Clear();
            options.HttpClientActions.Clear();
        });

        // Whatever primary handler the app configures, the token request never follows a redirect; a handler that cannot
        // be made not to stops the host at start-up.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, TokenClientRedirects>());
        services.AddSingleton<IValidateOptions<OrumAuthOptions>>(sp => new TokenPipelineValidator(name, sp.GetRequiredService<IHttpMessageHandlerFactory>()));

        // Disposing the container closes the token client's pooled connections at once (HttpClientFactory does not).
        services.TryAddSingleton<TokenConnectionOwner>();
        tokenHttpClient.ConfigurePrimaryHttpMessageHandler(static (handler, sp) => sp.GetRequiredService<TokenConnectionOwner>().Own(handler));
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrumAuthOptions>>(validator);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new OrumAuthTelemetry(sp.GetService<IMeterFactory>()));
        var resilience = OrumTokenResilience.Add(tokenHttpClient);
        tokenHttpClient.AddHttpMessageHandler(static () => new AttemptCountingHandler());

        services.TryAddKeyedSingleton(key, (sp, _) =>
        {
            // Build the token client's handler chain (and its resilience pipeline registry) before the client and the
            // cache exist. The container disposes in reverse order of creation, so the cache is disposed first and
            // cancels a request in flight; otherwise Polly's registry would wait for that request to time out.
            var httpClients = sp.GetRequiredService<IHttpClientFactory>();
            httpClients.CreateClient(httpClientName).Dispose();
            return CreateClient(sp, httpClients, httpClientName, name);
        });
        services.TryAddKeyedSingleton<IOrumTokenClient>(key, static (sp, key) => sp.GetRequiredKeyedService<OrumAuthClient>(key));

        // The credential's options as the token client, the cache and the bearer handlers read them, following reloads.
        services.TryAddKeyedSingleton(key, (sp, _) => new CredentialSettings(
            sp.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>(),
            name,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddKeyedSingleton(key, (sp, k) => CreateCache(sp, k, name));
        services.TryAddKeyedSingleton<IOrumTokenProvider>(key, static (sp, key) => sp.GetRequiredKeyedService<TokenCache>(key));

        var builder = new OrumAuthBuilder(name, services, tokenHttpClient, resilience);
        services.AddKeyedSingleton(key ?? string.Empty, builder);
        return builder;
    }

    private static TokenCache CreateCache(IServiceProvider sp, object? key, string name) => new(
        sp.GetRequiredKeyedService<IOrumTokenClient>(key),
        sp.GetRequiredKeyedService<CredentialSettings>(key),
        name,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetService<ILoggerFactory>(),
        sp.GetRequiredService<OrumAuthTelemetry>());

    // The options of each request are the credential's settings, never a value the monitor hands out without saying so.
    private static OrumAuthClient CreateClient(IServiceProvider sp, IHttpClientFactory httpClients, string httpClientName, string name)
    {
        var settings = sp.GetRequiredKeyedService<CredentialSettings>(ServiceKey(name));
        return new(
            () => httpClients.CreateClient(httpClientName),
            () => settings.Options,
            name,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<OrumAuthTelemetry>());
    }

    /// <summary>The default credential is registered without a key; named ones are keyed by their name.</summary>
    internal static string? ServiceKey(string? name) => string.IsNullOrEmpty(name) ? null : name;

    private sealed record OrumAuthBuilder(string Name, IServiceCollection Services, IHttpClientBuilder TokenHttpClient, Http.Resilience.IHttpStandardResiliencePipelineBuilder TokenResilience) : IOrumAuthBuilder;
}
