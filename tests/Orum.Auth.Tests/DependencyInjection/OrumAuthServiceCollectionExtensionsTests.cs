using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>What <c>AddOrumAuth</c> registers, checked through a real container built with ValidateOnBuild and ValidateScopes.</summary>
public class OrumAuthServiceCollectionExtensionsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);

    public static TheoryData<string> Overloads => ["action", "configuration", "named action", "named configuration"];

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task AddOrumAuth_EachOverload_ReturnsBuilderForTheCredential_AndBuildsStrictly(string overload)
    {
        var services = new ServiceCollection();
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Orum:ClientId"] = "made-up-id", ["Orum:ClientSecret"] = "made-up-secret" })
            .Build()
            .GetSection("Orum");

        var builder = overload switch
        {
            "action" => services.AddOrumAuth(OrumTestServices.Credentials),
            "configuration" => services.AddOrumAuth(section),
            "named action" => services.AddOrumAuth("payouts", OrumTestServices.Credentials),
            _ => services.AddOrumAuth("payouts", section),
        };

        var name = overload.StartsWith("named", StringComparison.Ordinal) ? "payouts" : string.Empty;
        Assert.Equal(name, builder.Name);
        Assert.Same(services, builder.Services);
        Assert.Equal(OrumAuthDefaults.GetTokenHttpClientName(name), builder.TokenHttpClient.Name);
        Assert.NotNull(builder.TokenResilience);

        await using var provider = services.BuildStrict();
        var key = name.Length == 0 ? null : name;
        var cache = provider.GetRequiredKeyedService<TokenCache>(key);
        Assert.Same(cache, provider.GetRequiredKeyedService<IOrumTokenProvider>(key));
        Assert.Same(provider.GetRequiredKeyedService<OrumAuthClient>(key), provider.GetRequiredKeyedService<IOrumTokenClient>(key));
    }

    [Fact]
    public async Task AddOrumAuth_TokenCache_IsOneSingletonPerCredential()
    {
        var services = new ServiceCollection();
        services.AddOrumAuth(OrumTestServices.Credentials);
        services.AddOrumAuth("payouts", OrumTestServices.Credentials);
        await using var provider = services.BuildStrict();

        TokenCache fromScope1, fromScope2;
        using (var scope = provider.CreateScope())
        {
            fromScope1 = scope.ServiceProvider.GetRequiredService<TokenCache>();
        }

        using (var scope = provider.CreateScope())
        {
            fromScope2 = scope.ServiceProvider.GetRequiredService<TokenCache>();
        }

        Assert.Same(fromScope1, fromScope2);
        Assert.Same(fromScope1, provider.GetRequiredService<IOrumTokenProvider>());
        var payouts = provider.GetRequiredKeyedService<TokenCache>("payouts");
        Assert.NotSame(fromScope1, payouts);
        Assert.Same(payouts, provider.GetRequiredKeyedService<IOrumTokenProvider>("payouts"));
    }

    [Fact]
    public async Task AddOrumAuth_CalledTwiceForOneCredential_RegistersItOnce_AndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        var first = services.AddOrumAuth(OrumTestServices.Credentials);
        var second = services.AddOrumAuth(o => o.ApiVersion = "v2099-01-01");

        Assert.Same(first, second);
        Assert.Single(services, d => d.ServiceType == typeof(TokenCache));
        Assert.Single(services, d => d.ServiceType == typeof(OrumAuthClient));

        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        first.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        await using var provider = services.BuildStrict();

        using var response = await provider.GetRequiredService<DeliverClient>().Http.GetAsync(Balance).WaitAsync(Limit);

        var sent = Assert.Single(api.Requests);
        Assert.Equal("v2099-01-01", sent.OrumVersion);
        Assert.Equal("Bearer token-1", sent.Authorization);
    }

    [Fact]
    public async Task AddOrumAuth_UserTokenProviderRegisteredFirst_IsUsedByTheHandler()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        var mine = new StaticTokens("made-up-own-token");
        services.AddSingleton<IOrumTokenProvider>(mine);
        await using var provider = services.AddDeliver(token, api).BuildStrict();

        using var response = await provider.GetRequiredService<DeliverClient>().Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Same(mine, provider.GetRequiredService<IOrumTokenProvider>());
        Assert.Equal("Bearer made-up-own-token", Assert.Single(api.Requests).Authorization);
        Assert.Equal(0, token.Count);
    }

    [Fact]
    public async Task AddOrumAuth_UserTokenClientRegisteredFirst_IsUsedByTheTokenCache()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        var mine = new CountingTokenClient("made-up-client-token");
        services.AddSingleton<IOrumTokenClient>(mine);
        await using var provider = services.AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var first = await client.Http.GetAsync(Balance).WaitAsync(Limit);
        using var second = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Same(mine, provider.GetRequiredService<IOrumTokenClient>());
        Assert.All(api.Requests, r => Assert.Equal("Bearer made-up-client-token", r.Authorization));
        Assert.Equal(1, mine.Calls); // still cached
        Assert.Equal(0, token.Count);
    }

    [Fact]
    public async Task AddOrumAuth_UserKeyedTokenClientRegisteredFirst_IsUsedForThatCredentialOnly()
    {
        var services = new ServiceCollection();
        var mine = new CountingTokenClient("made-up-payouts-token");
        services.AddKeyedSingleton<IOrumTokenClient>("payouts", mine);
        services.AddOrumAuth("payouts", OrumTestServices.Credentials);
        services.AddOrumAuth("collections", OrumTestServices.Credentials);
        await using var provider = services.BuildStrict();

        var payouts = await provider.GetRequiredKeyedService<IOrumTokenProvider>("payouts").GetTokenAsync().AsTask().WaitAsync(Limit);

        Assert.Equal("made-up-payouts-token", payouts.Value);
        Assert.IsType<OrumAuthClient>(provider.GetRequiredKeyedService<IOrumTokenClient>("collections"));
    }

    [Fact]
    public async Task AddOrumAuth_NoTimeProviderRegistered_UsesTheSystemClock()
    {
        var services = new ServiceCollection();
        services.AddOrumAuth(OrumTestServices.Credentials);
        await using var provider = services.BuildStrict();

        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task AddOrumAuth_TimeProviderRegisteredFirst_IsTheClockTokensExpireBy()
    {
        var clock = new FakeTimeProvider();
        var token = RecordingEndpoint.TokenEndpoint(expiresIn: 3600);
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        await using var provider = services.AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var first = await client.Http.GetAsync(Balance).WaitAsync(Limit);
        clock.Advance(TimeSpan.FromHours(1));
        using var second = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
        Assert.Equal(2, token.Count);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], api.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task AddOrumAuth_TwoNamedCredentials_GetTheirOwnTokens()
    {
        var payoutsToken = RecordingEndpoint.TokenEndpoint(prefix: "payouts");
        var collectionsToken = RecordingEndpoint.TokenEndpoint(prefix: "collections");
        var payoutsApi = RecordingEndpoint.Api();
        var collectionsApi = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddOrumAuth("payouts", o => (o.ClientId, o.ClientSecret) = ("made-up-payouts-id", "made-up-payouts-secret"))
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => payoutsToken.Handler);
        services.AddOrumAuth("collections", o => (o.ClientId, o.ClientSecret) = ("made-up-collections-id", "made-up-collections-secret"))
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => collectionsToken.Handler);
        services.AddHttpClient("payouts-api", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler("payouts")
            .ConfigurePrimaryHttpMessageHandler(() => payoutsApi.Handler);
        services.AddHttpClient("collections-api", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler("collections")
            .ConfigurePrimaryHttpMessageHandler(() => collectionsApi.Handler);
        services.AddSingleton<KeyedConsumer>();
        await using var provider = services.BuildStrict();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        using var payoutsResponse = await factory.CreateClient("payouts-api").GetAsync(Balance).WaitAsync(Limit);
        using var collectionsResponse = await factory.CreateClient("collections-api").GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal("Bearer payouts-1", Assert.Single(payoutsApi.Requests).Authorization);
        Assert.Equal("Bearer collections-1", Assert.Single(collectionsApi.Requests).Authorization);
        Assert.Contains("made-up-payouts-secret", Assert.Single(payoutsToken.Requests).Body, StringComparison.Ordinal);
        Assert.Contains("made-up-collections-secret", Assert.Single(collectionsToken.Requests).Body, StringComparison.Ordinal);

        // [FromKeyedServices("payouts")] resolves the same cache, which already holds the token.
        var consumer = provider.GetRequiredService<KeyedConsumer>();
        Assert.Same(provider.GetRequiredKeyedService<TokenCache>("payouts"), consumer.Tokens);
        Assert.Equal("payouts-1", (await consumer.Tokens.GetTokenAsync().AsTask().WaitAsync(Limit)).Value);
        Assert.Equal(1, payoutsToken.Count);
        Assert.Null(provider.GetService<IOrumTokenProvider>()); // no default credential was registered
    }

    public sealed class KeyedConsumer([FromKeyedServices("payouts")] IOrumTokenProvider tokens)
    {
        public IOrumTokenProvider Tokens { get; } = tokens;
    }

    private sealed class StaticTokens(string value) : IOrumTokenProvider
    {
        public ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default) =>
            new(new OrumAccessToken(value, "Bearer", TimeSpan.FromHours(1), DateTimeOffset.UnixEpoch));

        public void Invalidate(OrumAccessToken rejected)
        {
        }
    }

    private sealed class CountingTokenClient(string value) : IOrumTokenClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new OrumAccessToken(value, "Bearer", TimeSpan.FromHours(1), TimeProvider.System.GetUtcNow()));
        }
    }
}
