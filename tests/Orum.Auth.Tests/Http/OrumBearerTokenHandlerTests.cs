using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Http;

/// <summary>Headers and host checks of <see cref="OrumBearerTokenHandler"/>, on a typed client built by a real container.</summary>
public class OrumBearerTokenHandlerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendAsync_TypedClient_SetsBearerTokenAndOrumVersion()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(new Uri("/deliver/balance", UriKind.Relative)).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(api.Requests);
        Assert.Equal("Bearer token-1", sent.Authorization);
        Assert.Equal(OrumAuthOptions.DefaultApiVersion, sent.OrumVersion);
    }

    [Fact]
    public async Task SendAsync_RequestAlreadyHasOrumVersion_KeepsItsValue()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/deliver/balance");
        request.Headers.Add("Orum-Version", "v2099-01-01");

        using var response = await client.Http.SendAsync(request).WaitAsync(Limit);

        Assert.Equal("v2099-01-01", Assert.Single(api.Requests).OrumVersion);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task SendAsync_ApiVersionNullOrEmpty_SendsNoOrumVersion(string? apiVersion)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api, o => o.ApiVersion = apiVersion).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(new Uri("/deliver/balance", UriKind.Relative)).WaitAsync(Limit);

        var sent = Assert.Single(api.Requests);
        Assert.Null(sent.OrumVersion);
        Assert.Equal("Bearer token-1", sent.Authorization);
    }

    [Fact]
    public async Task SendAsync_ManyRequests_RequestsOneToken()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();

        for (var i = 0; i < 5; i++)
        {
            // A new client each time, as IHttpClientFactory users do.
            var client = provider.GetRequiredService<DeliverClient>();
            using var response = await client.Http.GetAsync(new Uri("/deliver/balance", UriKind.Relative)).WaitAsync(Limit);
        }

        Assert.Equal(1, token.Count);
        Assert.Equal(5, api.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
    }

    [Theory]
    [InlineData("https://evil.example.com/deliver/balance")] // another host
    [InlineData("https://api-sandbox.orum.io.evil.example/deliver/balance")] // a look-alike
    [InlineData("https://api.orum.io/deliver/balance")] // production, while the credential is a sandbox one
    [InlineData("http://api-sandbox.orum.io/deliver/balance")] // the right host in clear text
    [InlineData("http://vault.api-sandbox.orum.io/deliver/cards")]
    public async Task SendAsync_HostNotAllowed_ThrowsBeforeAnythingIsSent(string url)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        var ex = await Assert.ThrowsAsync<OrumAuthException>(() => client.Http.GetAsync(new Uri(url)).WaitAsync(Limit));

        Assert.Contains(new Uri(url).Host, ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OrumAuthOptions.AdditionalAllowedHosts), ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, api.Count);
        Assert.Equal(0, token.Count); // not even a token was requested for it
    }

    [Theory]
    [InlineData("https://api-sandbox.orum.io/deliver/balance")]
    [InlineData("https://API-SANDBOX.orum.io/deliver/balance")]
    [InlineData("https://vault.api-sandbox.orum.io/deliver/cards")]
    [InlineData("https://proxy.example.com/deliver/balance")] // in AdditionalAllowedHosts
    public async Task SendAsync_AllowedHost_SendsWithToken(string url)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection()
            .AddDeliver(token, api, o => o.AdditionalAllowedHosts.Add("proxy.example.com"))
            .BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(new Uri(url)).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer token-1", Assert.Single(api.Requests).Authorization);
    }

    [Fact]
    public async Task SendAsync_PlainHttpToLoopbackApi_IsAllowed()
    {
        var token = RecordingEndpoint.TokenEndpoint("http://127.0.0.1:5080/oauth/token");
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection()
            .AddDeliver(token, api, o => o.ApiBaseAddress = new Uri("http://127.0.0.1:5080"))
            .BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(new Uri("http://127.0.0.1:5080/deliver/balance")).WaitAsync(Limit);
        var refused = await Assert.ThrowsAsync<OrumAuthException>(() => client.Http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer token-1", Assert.Single(api.Requests).Authorization);
        Assert.Contains("api-sandbox.orum.io", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Synchronous_ThrowsNotSupportedException()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/deliver/balance");

        var ex = Assert.Throws<NotSupportedException>(() => client.Http.Send(request));

        Assert.Contains("SendAsync", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, api.Count);
        Assert.Equal(0, token.Count);
    }

    [Fact]
    public async Task SendAsync_RelativeUriWithoutBaseAddress_ThrowsOrumAuthException()
    {
        // HttpClient rejects relative URIs itself, so this drives the handler the way a custom invoker would.
        using var handler = new OrumBearerTokenHandler(new FixedTokens(), new OrumAuthOptions()) { InnerHandler = RecordingEndpoint.Api().Handler };
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/deliver/balance", UriKind.Relative));

        var ex = await Assert.ThrowsAsync<OrumAuthException>(() => invoker.SendAsync(request, CancellationToken.None).WaitAsync(Limit));

        Assert.Contains("BaseAddress", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTokens : IOrumTokenProvider
    {
        public ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default) =>
            new(new OrumAccessToken("made-up-token", "Bearer", TimeSpan.FromHours(1), DateTimeOffset.UnixEpoch));

        public void Invalidate(OrumAccessToken rejected)
        {
        }
    }
}
