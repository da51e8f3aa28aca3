using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// One replica of a service: its own service provider (its own TokenCache, HttpClientFactory and store connections),
/// with the default Orum credential bound from a reloadable configuration and the distributed token cache added.
/// Every replica of a test sends its token requests to the same <see cref="TokenEndpoint"/>.
/// </summary>
internal static class Replica
{
    public const string ClientId = "made-up-client-id";

    /// <summary>A reloadable credential (set a key, then <c>Reload()</c>, to rotate it).</summary>
    public static IConfigurationRoot Credential(string secret = "made-up-secret-1") =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClientId"] = ClientId,
            ["ClientSecret"] = secret,
            ["ApiBaseAddress"] = "http://127.0.0.1:9/",
        }).Build();

    public static ServiceProvider Create(
        TokenEndpoint endpoint,
        Action<IServiceCollection> addStore,
        Action<OrumDistributedTokenCacheOptions>? configure = null,
        IConfiguration? credential = null,
        LogSink? logs = null,
        TimeProvider? timeProvider = null,
        Action<IOrumAuthBuilder>? auth = null,
        Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        }

        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        addStore(services);
        var builder = services.AddOrumAuth(credential ?? Credential()).AddDistributedTokenCache(configure);
        builder.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => endpoint);
        auth?.Invoke(builder);
        more?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static IOrumTokenProvider Tokens(this IServiceProvider replica) => replica.GetRequiredService<IOrumTokenProvider>();

    /// <summary>The replica's client for <see cref="FakeApi"/>, through the bearer handler.</summary>
    public static HttpClient Api(this IServiceProvider replica) =>
        replica.GetRequiredService<IHttpClientFactory>().CreateClient(FakeApi.ClientName);

    /// <summary>Gets a token, bounded so a broken build fails instead of hanging.</summary>
    public static Task<OrumAccessToken> GetTokenAsync(this IServiceProvider replica) =>
        replica.Tokens().GetTokenAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
}
