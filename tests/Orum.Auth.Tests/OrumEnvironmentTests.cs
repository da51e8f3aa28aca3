using System.Net;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests;

/// <summary>Which hosts each <see cref="OrumEnvironment"/> means, and how the base-address options override them.</summary>
public class OrumEnvironmentTests
{
    [Theory]
    [InlineData(OrumEnvironment.Sandbox, TestCredentials.SandboxTokenUrl)]
    [InlineData(OrumEnvironment.Production, TestCredentials.ProductionTokenUrl)]
    public async Task RequestTokenAsync_Environment_PostsToItsApiHost(OrumEnvironment environment, string tokenUrl)
    {
        using var endpoint = new TokenEndpoint(tokenUrl);
        endpoint.Options.Environment = environment;

        await endpoint.RequestTokenAsync();

        Assert.Equal(new Uri(tokenUrl), Assert.Single(endpoint.Requests).Uri);
    }

    [Theory]
    [InlineData("https://orum-proxy.example.com", "https://orum-proxy.example.com/oauth/token")]
    [InlineData("https://orum-proxy.example.com/", "https://orum-proxy.example.com/oauth/token")]
    [InlineData("https://gateway.example.com/orum", "https://gateway.example.com/orum/oauth/token")]
    [InlineData("https://gateway.example.com/orum/", "https://gateway.example.com/orum/oauth/token")]
    [InlineData("http://127.0.0.1:5089", "http://127.0.0.1:5089/oauth/token")]
    [InlineData("http://localhost:5089/", "http://localhost:5089/oauth/token")]
    [InlineData("http://[::1]:5089", "http://[::1]:5089/oauth/token")]
    public async Task RequestTokenAsync_ApiBaseAddress_OverridesTheEnvironment(string apiBaseAddress, string tokenUrl)
    {
        using var endpoint = new TokenEndpoint(tokenUrl);
        endpoint.Options.Environment = OrumEnvironment.Production;
        endpoint.Options.ApiBaseAddress = new Uri(apiBaseAddress);

        await endpoint.RequestTokenAsync();

        Assert.Equal(new Uri(tokenUrl), Assert.Single(endpoint.Requests).Uri);
    }

    [Theory]
    [InlineData("https://api-sandbox.orum.io/deliver/balance")]
    [InlineData("https://vault.api-sandbox.orum.io/deliver/cards")]
    public async Task Sandbox_ApiAndVaultHosts_GetTheToken(string url)
    {
        using var mock = new MockHttpMessageHandler();
        var call = mock.Expect(url).WithHeaders("Authorization", "Bearer tok-env").Respond(HttpStatusCode.OK);
        using var http = new HttpClient(new OrumBearerTokenHandler(new FixedTokenProvider("tok-env"), TestCredentials.Options()) { InnerHandler = mock });

        using var response = await http.GetAsync(new Uri(url)).WaitAsync(TestCredentials.HangGuard);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, mock.GetMatchCount(call));
    }

    [Fact]
    public async Task Production_HasNoDocumentedVaultHost_SandboxVaultIsRefused()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Fallback.Respond(HttpStatusCode.OK);
        var options = TestCredentials.Options(o => o.Environment = OrumEnvironment.Production);
        using var http = new HttpClient(new OrumBearerTokenHandler(new FixedTokenProvider("tok-env"), options) { InnerHandler = mock });

        using (var api = await http.GetAsync(new Uri("https://api.orum.io/deliver/balance")).WaitAsync(TestCredentials.HangGuard))
        {
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        }

        await Assert.ThrowsAsync<OrumAuthException>(() => http.GetAsync(new Uri("https://vault.api-sandbox.orum.io/deliver/cards")).WaitAsync(TestCredentials.HangGuard));
    }

    [Fact]
    public async Task Production_VaultBaseAddress_MakesThatHostAllowed()
    {
        using var mock = new MockHttpMessageHandler();
        var call = mock.Expect("https://vault.example-orum-prod.io/deliver/cards").WithHeaders("Authorization", "Bearer tok-env").Respond(HttpStatusCode.OK);
        var options = TestCredentials.Options(o =>
        {
            o.Environment = OrumEnvironment.Production;
            o.VaultBaseAddress = new Uri("https://vault.example-orum-prod.io");
        });
        using var http = new HttpClient(new OrumBearerTokenHandler(new FixedTokenProvider("tok-env"), options) { InnerHandler = mock });

        using var response = await http.GetAsync(new Uri("https://vault.example-orum-prod.io/deliver/cards")).WaitAsync(TestCredentials.HangGuard);

        Assert.Equal(1, mock.GetMatchCount(call));
    }

    [Fact]
    public void OrumEnvironment_DefaultIsSandbox()
    {
        Assert.Equal(OrumEnvironment.Sandbox, default);
        Assert.Equal(OrumEnvironment.Sandbox, new OrumAuthOptions().Environment);
    }

    /// <summary>A provider that always has the same token: the handler's host rules are what is under test here.</summary>
    private sealed class FixedTokenProvider(string value) : IOrumTokenProvider
    {
        private readonly OrumAccessToken _token = new(value, "Bearer", TimeSpan.FromHours(1), TestCredentials.Start);

        public ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_token);

        public void Invalidate(OrumAccessToken rejected)
        {
        }
    }
}
