using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Orum.Auth;
using Orum.Auth.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts Orum bearer tokens on the requests of an <see cref="HttpClient"/> built by HttpClientFactory.</summary>
public static class OrumAuthHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="OrumBearerTokenHandler"/> to the client: every request gets <c>Authorization: Bearer …</c> and
    /// <c>Orum-Version</c>, and a 401 is retried once with a fresh token.
    /// </summary>
    /// <param name="builder">The Deliver or Verify client's builder.</param>
    /// <param name="name">The credential registered with <c>AddOrumAuth(name, …)</c>; <see langword="null"/> for the default one.</param>
    /// <returns>The same builder.</returns>
    public static IHttpClientBuilder AddOrumBearerTokenHandler(this IHttpClientBuilder builder, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var credential = name ?? Options.Options.DefaultName;
        var key = OrumAuthServiceCollectionExtensions.ServiceKey(credential);

        // HttpClientFactory logs request headers at Trace level, after this handler has set Authorization: never let
        // it write the token. Composed with any redaction the user configured.
        builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, options =>
        {
            var userRedaction = options.ShouldRedactHeaderValue;
            options.ShouldRedactHeaderValue = header =>
                string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase) || userRedaction(header);
        });

        // That redaction reaches only the message text: the inner logger's header records, written after this handler has
        // set Authorization, carry the raw values in their structured state. See HeaderLogFilter.
        var headerCategory = HeaderLogFilter.Category(builder.Name);
        builder.Services.PostConfigure<LoggerFilterOptions>(options => HeaderLogFilter.Apply(options, headerCategory));

        // A handler the app adds after this one must not take the token elsewhere.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, BearerTokenGuard>());

        // Added for each client as it is built, so that through ConfigureHttpClientDefaults it skips the token clients: a
        // token request carrying a bearer token would need a token first.
        builder.Services.Configure<HttpClientFactoryOptions>(builder.Name, options => options.HttpMessageHandlerBuilderActions.Add(handlers =>
        {
            if (!TokenClientRedirects.IsTokenClient(handlers.Name))
            {
                handlers.AdditionalHandlers.Add(Create(handlers.Services, key, credential));
            }
        }));
        return builder;
    }

    private static OrumBearerTokenHandler Create(IServiceProvider sp, string? key, string credential)
    {
        var tokens = sp.GetKeyedService<IOrumTokenProvider>(key)
            ?? throw new InvalidOperationException(key is null
                ? "No Orum credential is registered. Call services.AddOrumAuth(…) before AddOrumBearerTokenHandler()."
                : $"No Orum credential named '{credential}' is registered. Call services.AddOrumAuth(\"{credential}\", …).");
        var policy = sp.GetRequiredKeyedService<CredentialSettings>(key);
        return new OrumBearerTokenHandler(tokens, policy, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<OrumAuthTelemetry>(), credential);
    }
}
