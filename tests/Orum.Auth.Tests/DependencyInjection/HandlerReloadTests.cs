using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>
/// Reloaded options reach the bearer handler at once, on the handler HttpClientFactory already built (it keeps a handler
/// for two minutes by default, and a long-lived HttpClient keeps it for ever): allowed origins, Orum-Version, replay.
/// </summary>
public class HandlerReloadTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reload_ApiBaseAddressMovedToAnotherHost_NewHostGetsTheNewTokenAndTheOldOneNothing()
    {
        var (configuration, token, api, provider) = Arrange(new() { ["Orum:ApiBaseAddress"] = "https://a.example.com" });
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var before = await http.GetAsync(new Uri("https://a.example.com/deliver/balance")).WaitAsync(Limit);

        configuration["Orum:ApiBaseAddress"] = "https://b.example.com";
        configuration["Orum:AdditionalAllowedHosts:0"] = "gateway.example.com";
        configuration.Reload();
        using var toNewHost = await http.GetAsync(new Uri("https://b.example.com/deliver/balance")).WaitAsync(Limit);
        using var toGateway = await http.GetAsync(new Uri("https://gateway.example.com/deliver/balance")).WaitAsync(Limit);
        var toOldHost = await Assert.ThrowsAsync<OrumAuthException>(() => http.GetAsync(new Uri("https://a.example.com/deliver/balance")).WaitAsync(Limit));

        Assert.Equal(HttpStatusCode.OK, toNewHost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, toGateway.StatusCode);
        Assert.Contains("a.example.com", toOldHost.Message, StringComparison.Ordinal);
        Assert.Equal(["https://a.example.com/oauth/token", "https://b.example.com/oauth/token"], token.Requests.Select(r => r.Uri!.AbsoluteUri));
        Assert.Equal(
            [("a.example.com", "Bearer token-1"), ("b.example.com", "Bearer token-2"), ("gateway.example.com", "Bearer token-2")],
            api.Requests.Select(r => (r.Uri!.Host, r.Authorization)));
    }

    [Fact]
    public async Task Reload_AdditionalAllowedHostReplaced_TheOldOneRefusedAtOnce()
    {
        var (configuration, token, api, provider) = Arrange(new() { ["Orum:AdditionalAllowedHosts:0"] = "gateway.example.com" });
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var before = await http.GetAsync(new Uri("https://gateway.example.com/deliver/balance")).WaitAsync(Limit);

        configuration["Orum:AdditionalAllowedHosts:0"] = "other.example.com";
        configuration.Reload();

        await Assert.ThrowsAsync<OrumAuthException>(() => http.GetAsync(new Uri("https://gateway.example.com/deliver/balance")).WaitAsync(Limit));
        Assert.Equal(1, api.Count);
        Assert.Equal(1, token.Count);
    }

    [Fact]
    public async Task Reload_ApiVersion_TheNextRequestSendsTheNewVersion()
    {
        var (configuration, token, api, provider) = Arrange([]);
        await using var _ = provider;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var before = await http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit);

        configuration["Orum:ApiVersion"] = "v2099-01-01";
        configuration.Reload();
        using var after = await http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit);

        Assert.Equal([OrumAuthOptions.DefaultApiVersion, "v2099-01-01"], api.Requests.Select(r => r.OrumVersion));
        Assert.Equal(1, token.Count); // not part of the credential: the token stays
    }

    [Fact]
    public async Task Reload_RetryOnUnauthorizedOff_The401IsNoLongerReplayed()
    {
        var (configuration, token, api, provider) = Arrange([]);
        await using var _ = provider;
        api.Then(() => RecordingEndpoint.Error(HttpStatusCode.Unauthorized));
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var replayed = await http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit);

        configuration["Orum:RetryOnUnauthorized"] = "false";
        configuration.Reload();
        api.Then(() => RecordingEndpoint.Error(HttpStatusCode.Unauthorized));
        using var notReplayed = await http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, notReplayed.StatusCode);
        Assert.Equal(3, api.Count); // 401 + replay, then the 401 alone
    }

    private static (IConfigurationRoot Configuration, RecordingEndpoint Token, RecordingEndpoint Api, ServiceProvider Provider) Arrange(
        Dictionary<string, string?> settings)
    {
        settings["Orum:ClientId"] = "made-up-id";
        settings["Orum:ClientSecret"] = "made-up-secret-1";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var token = RecordingEndpoint.TokenEndpointOnAnyHost();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        services.AddHttpClient("deliver").AddOrumBearerTokenHandler().ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        return (configuration, token, api, services.BuildStrict());
    }
}
