using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>Reloaded configuration with a new credential drops the cached token; the next call uses the new pair.</summary>
public class CredentialRotationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);

    [Fact]
    public async Task Reload_NewSecret_DropsTheTokenAndTheNextCallUsesTheNewSecret()
    {
        var (configuration, token, api, provider) = Arrange();
        await using var _ = provider;
        var client = provider.GetRequiredService<DeliverClient>();
        using var before = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        configuration["Orum:ClientSecret"] = "made-up-secret-2";
        configuration.Reload();
        using var after = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(2, token.Count);
        Assert.Contains("made-up-secret-1", token.Requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("made-up-secret-2", token.Requests[1].Body, StringComparison.Ordinal);
        Assert.DoesNotContain("made-up-secret-1", token.Requests[1].Body, StringComparison.Ordinal);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], api.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Reload_NewClientId_DropsTheToken()
    {
        var (configuration, token, api, provider) = Arrange();
        await using var _ = provider;
        var client = provider.GetRequiredService<DeliverClient>();
        using var before = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        configuration["Orum:ClientId"] = "made-up-id-2";
        configuration.Reload();
        using var after = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(2, token.Count);
        Assert.Contains("made-up-id-2", token.Requests[1].Body, StringComparison.Ordinal);
        Assert.Equal("Bearer token-2", api.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Reload_SameCredential_KeepsTheToken()
    {
        var (configuration, token, api, provider) = Arrange();
        await using var _ = provider;
        var client = provider.GetRequiredService<DeliverClient>();
        using var before = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        configuration["Orum:ApiVersion"] = "v2099-01-01"; // not part of the credential
        configuration.Reload();
        using var after = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(1, token.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
    }

    [Fact]
    public async Task Reload_NewSecretOfOneNamedCredential_LeavesTheOtherCredentialsToken()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orum:Payouts:ClientId"] = "made-up-payouts-id",
                ["Orum:Payouts:ClientSecret"] = "made-up-payouts-secret-1",
                ["Orum:Collections:ClientId"] = "made-up-collections-id",
                ["Orum:Collections:ClientSecret"] = "made-up-collections-secret",
            })
            .Build();
        var payoutsToken = RecordingEndpoint.TokenEndpoint(prefix: "payouts");
        var collectionsToken = RecordingEndpoint.TokenEndpoint(prefix: "collections");
        var services = new ServiceCollection();
        services.AddOrumAuth("payouts", configuration.GetSection("Orum:Payouts")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => payoutsToken.Handler);
        services.AddOrumAuth("collections", configuration.GetSection("Orum:Collections")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => collectionsToken.Handler);
        await using var provider = services.BuildStrict();
        var payouts = provider.GetRequiredKeyedService<IOrumTokenProvider>("payouts");
        var collections = provider.GetRequiredKeyedService<IOrumTokenProvider>("collections");
        await payouts.GetTokenAsync().AsTask().WaitAsync(Limit);
        await collections.GetTokenAsync().AsTask().WaitAsync(Limit);

        configuration["Orum:Payouts:ClientSecret"] = "made-up-payouts-secret-2";
        configuration.Reload();

        Assert.Equal("payouts-2", (await payouts.GetTokenAsync().AsTask().WaitAsync(Limit)).Value);
        Assert.Equal("collections-1", (await collections.GetTokenAsync().AsTask().WaitAsync(Limit)).Value);
        Assert.Contains("made-up-payouts-secret-2", payoutsToken.Requests[^1].Body, StringComparison.Ordinal);
        Assert.Equal(1, collectionsToken.Count);
    }

    [Fact]
    public async Task Reload_NewSecretWhileATokenRequestIsInFlight_ItsWaitersGetATokenOfTheNewSecret()
    {
        var (configuration, token, api, provider) = Arrange();
        await using var _ = provider;
        var answer = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Then((_, _, _) => answer.Task);
        var waiting = provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask();
        await token.WaitForRequestsAsync(1);

        configuration["Orum:ClientSecret"] = "made-up-secret-2";
        configuration.Reload();
        answer.SetResult(RecordingEndpoint.Token("minted-with-the-old-secret"));
        var got = await waiting.WaitAsync(Limit);

        Assert.Equal("token-2", got.Value); // not the answer to the request made with the old secret
        Assert.Contains("made-up-secret-2", token.Requests[1].Body, StringComparison.Ordinal);
        Assert.Equal(0, api.Count);
    }

    private static (IConfigurationRoot Configuration, RecordingEndpoint Token, RecordingEndpoint Api, ServiceProvider Provider) Arrange()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orum:ClientId"] = "made-up-id",
                ["Orum:ClientSecret"] = "made-up-secret-1",
            })
            .Build();
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        return (configuration, token, api, services.BuildStrict());
    }
}
