using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Http;

/// <summary>The token goes only to allowed origins: scheme, host and port all match, never the host name alone.</summary>
public class OrumBearerTokenHandlerOriginTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:6379/")] // another local service, in clear text
    [InlineData("http://127.0.0.1:5080", "https://127.0.0.1:5080/")] // another scheme
    [InlineData("http://127.0.0.1:5080", "http://localhost:5080/")] // another host name for the same machine
    [InlineData(null, "https://api-sandbox.orum.io:8443/deliver/balance")] // another port on Orum's own host
    [InlineData(null, "https://vault.api-sandbox.orum.io:444/deliver/cards")]
    [InlineData("https://api.example.com:8443", "https://api.example.com/deliver/balance")] // the default port of a non-default address
    public async Task SendAsync_AllowedHostOnAnotherOrigin_RefusedBeforeAnythingIsSent(string? apiBaseAddress, string url)
    {
        var tokenUrl = apiBaseAddress is null ? RecordingEndpoint.SandboxTokenUrl : $"{apiBaseAddress}/oauth/token";
        var token = RecordingEndpoint.TokenEndpoint(tokenUrl);
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection()
            .AddDeliver(token, api, o => o.ApiBaseAddress = apiBaseAddress is null ? null : new Uri(apiBaseAddress))
            .BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        var ex = await Assert.ThrowsAsync<OrumAuthException>(() => client.Http.GetAsync(new Uri(url)).WaitAsync(Limit));

        Assert.Contains(new Uri(url).Authority, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, api.Count);
        Assert.Equal(0, token.Count);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/deliver/balance")]
    [InlineData("https://api.example.com:8443", "https://API.example.com:8443/deliver/balance")]
    [InlineData("https://api.example.com:443", "https://api.example.com/deliver/balance")]
    public async Task SendAsync_TheConfiguredOrigin_SendsWithToken(string apiBaseAddress, string url)
    {
        var token = RecordingEndpoint.TokenEndpoint($"{new Uri(apiBaseAddress).GetLeftPart(UriPartial.Authority)}/oauth/token");
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection()
            .AddDeliver(token, api, o => o.ApiBaseAddress = new Uri(apiBaseAddress))
            .BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(new Uri(url)).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer token-1", Assert.Single(api.Requests).Authorization);
    }

    [Theory]
    [InlineData("proxy.example.com", "https://proxy.example.com/x", true)]
    [InlineData("proxy.example.com", "https://proxy.example.com:443/x", true)]
    [InlineData("proxy.example.com", "https://proxy.example.com:8443/x", false)] // no port named: 443 only
    [InlineData("proxy.example.com", "http://proxy.example.com/x", false)]
    [InlineData("proxy.example.com:8443", "https://proxy.example.com:8443/x", true)]
    [InlineData("proxy.example.com:8443", "https://proxy.example.com/x", false)]
    [InlineData("PROXY.example.com:8443", "https://proxy.EXAMPLE.com:8443/x", true)]
    [InlineData("bücher.example", "https://bücher.example/x", true)] // IDN, as written
    [InlineData("bücher.example", "https://xn--bcher-kva.example/x", true)] // and as punycode
    [InlineData("xn--bcher-kva.example", "https://bücher.example/x", true)]
    [InlineData("[::1]", "https://[::1]/x", true)] // bracketed IPv6
    [InlineData("[::1]:8443", "https://[::1]:8443/x", true)]
    [InlineData("[::1]:8443", "https://[::1]:9443/x", false)]
    [InlineData(" proxy.example.com ", "https://proxy.example.com/x", true)]
    public async Task SendAsync_AdditionalAllowedHost_MatchesItsOriginOnly(string entry, string url, bool allowed)
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        await using var provider = new ServiceCollection().AddDeliver(token, api, o => o.AdditionalAllowedHosts.Add(entry)).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        var send = client.Http.GetAsync(new Uri(url)).WaitAsync(Limit);

        if (allowed)
        {
            using var response = await send;
            Assert.Equal("Bearer token-1", Assert.Single(api.Requests).Authorization);
        }
        else
        {
            await Assert.ThrowsAsync<OrumAuthException>(() => send);
            Assert.Equal(0, api.Count);
        }
    }

    [Theory]
    [InlineData("https://proxy.example.com")] // a scheme
    [InlineData("proxy.example.com/deliver")] // a path
    [InlineData("user@proxy.example.com")] // user info
    [InlineData("proxy.example.com:99999")] // not a port
    [InlineData("proxy.example.com:0")]
    [InlineData("proxy.example.com:")]
    [InlineData("proxy.example.com:https")]
    [InlineData("::1")] // IPv6 without brackets cannot carry a port
    [InlineData("*.example.com")]
    [InlineData("proxy.example.com?x=1")]
    [InlineData("")]
    public void Constructor_AdditionalAllowedHostThatIsNoOrigin_ThrowsNamingTheSetting(string entry)
    {
        var options = new OrumAuthOptions { AdditionalAllowedHosts = { "good.example.com", entry } };

        var ex = Assert.Throws<ArgumentException>(() => new OrumBearerTokenHandler(new FixedTokens(), options));

        Assert.Contains("OrumAuthOptions.AdditionalAllowedHosts[1]", ex.Message, StringComparison.Ordinal);
        Assert.Equal("options", ex.ParamName);
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
