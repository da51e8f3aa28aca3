using Microsoft.Extensions.DependencyInjection;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// The usual arrangement of the DI tests: a real <see cref="ServiceCollection"/> with AddOrumAuth, the token
/// endpoint and the user's API faked with MockHttp as primary handlers, built with ValidateOnBuild and ValidateScopes.
/// </summary>
internal static class OrumTestServices
{
    public const string SandboxApi = "https://api-sandbox.orum.io";

    public static readonly ServiceProviderOptions Strict = new() { ValidateOnBuild = true, ValidateScopes = true };

    /// <summary>Made-up credentials for the sandbox.</summary>
    public static void Credentials(OrumAuthOptions options)
    {
        options.ClientId = "made-up-client-id";
        options.ClientSecret = "made-up-client-secret";
    }

    /// <summary>
    /// Registers the default credential (made-up credentials, then <paramref name="configure"/>) with
    /// <paramref name="token"/> as its token endpoint, and a <see cref="DeliverClient"/> on the sandbox API carrying the
    /// bearer handler, with <paramref name="api"/> behind it.
    /// </summary>
    public static IServiceCollection AddDeliver(
        this IServiceCollection services, RecordingEndpoint token, RecordingEndpoint api, Action<OrumAuthOptions>? configure = null)
    {
        services.AddOrumAuth(options =>
            {
                Credentials(options);
                configure?.Invoke(options);
            })
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(SandboxApi))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        return services;
    }

    public static ServiceProvider BuildStrict(this IServiceCollection services) => services.BuildServiceProvider(Strict);
}
