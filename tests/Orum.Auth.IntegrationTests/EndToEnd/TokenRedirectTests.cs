using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.IntegrationTests.TestSupport;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// A token endpoint that answers with a redirect must not get the client secret sent on to wherever it points: a 307
/// or 308 would make a redirect-following HttpClient post the same body, secret included, to the new host.
/// </summary>
public sealed class TokenRedirectTests
{
    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    [InlineData(302)]
    public async Task RequestToken_EndpointRedirects_NotFollowedAndTypedError(int status)
    {
        using var elsewhere = new TcpListener(IPAddress.Loopback, 0);
        elsewhere.Start();
        using var endpoint = new TcpListener(IPAddress.Loopback, 0);
        endpoint.Start();
        var target = $"http://127.0.0.1:{((IPEndPoint)elsewhere.LocalEndpoint).Port}/oauth/token";
        var answered = AnswerOnceWithRedirectAsync(endpoint, status, target);

        var services = new ServiceCollection();
        services.AddOrumAuth(options =>
        {
            options.ClientId = "made-up-client-id";
            options.ClientSecret = "made-up-client-secret";
            options.ApiBaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)endpoint.LocalEndpoint).Port}/");
        });
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<OrumServerException>(() => provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync().Within());
        await answered.Within();

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.False(elsewhere.Pending(), "The token request followed the redirect to another host.");
    }

    public static TheoryData<string, int> AppPrimaryHandlers => new()
    {
        { "SocketsHttpHandler", 307 },
        { "SocketsHttpHandler", 308 },
        { "HttpClientHandler", 307 },
        { "DelegatingHandler over SocketsHttpHandler", 307 },
        { "ConfigureHttpClientDefaults", 307 },
    };

    [Theory]
    [MemberData(nameof(AppPrimaryHandlers))]
    public async Task RequestToken_AppConfiguresItsOwnPrimaryHandler_RedirectStillNotFollowed(string primary, int status)
    {
        // What the redirect target would do with the secret: answer with a token, so that following it would succeed.
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Token("made-up-elsewhere-token"));
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", r => LoopbackHttpServer.Redirect(status, new Uri(elsewhere.BaseAddress, r.Target)));

        var services = new ServiceCollection();
        if (primary == "ConfigureHttpClientDefaults")
        {
            services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler()));
        }

        var auth = services.AddOrumAuth(options =>
        {
            options.ClientId = "made-up-client-id";
            options.ClientSecret = "made-up-client-secret";
            options.ApiBaseAddress = endpoint.BaseAddress;
        });

        // The documented way to add a proxy or a client certificate; each of these follows redirects by default.
        Func<HttpMessageHandler>? handler = primary switch
        {
            "SocketsHttpHandler" => () => new SocketsHttpHandler(),
            "HttpClientHandler" => () => new HttpClientHandler(),
            "DelegatingHandler over SocketsHttpHandler" => () => new PassThroughHandler { InnerHandler = new SocketsHttpHandler() },
            _ => null,
        };
        if (handler is not null)
        {
            auth.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(handler);
        }

        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<OrumServerException>(() => provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync().Within());

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Empty(elsewhere.Requests);
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task AddOrumAuth_PrimaryHandlerThatAlreadySentRequestsAndFollowsRedirects_StartUpFailsSayingWhatToDo()
    {
        await using var somewhere = LoopbackHttpServer.Start("127.0.0.1", _ => LoopbackHttpServer.Response(200, "{}"));
        var shared = new SocketsHttpHandler(); // AllowAutoRedirect is true, and can no longer be changed once it has sent
        using (var app = new HttpClient(shared, disposeHandler: false))
        {
            using var _ = await app.GetAsync(somewhere.BaseAddress).Within();
        }

        var services = new ServiceCollection();
        services.AddOrumAuth(options =>
            {
                options.ClientId = "made-up-client-id";
                options.ClientSecret = "made-up-client-secret";
                options.ApiBaseAddress = somewhere.BaseAddress;
            })
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => shared);
        await using var provider = services.BuildServiceProvider();

        // What a host's start-up runs (ValidateOnStart).
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());

        Assert.Contains("AllowAutoRedirect", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConfigurePrimaryHttpMessageHandler", error.Message, StringComparison.Ordinal);
        Assert.Single(somewhere.Requests); // the app's own request; no token request was sent
        shared.Dispose();
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    public async Task RequestToken_HandBuiltClientThatFollowsRedirects_SecretNeverWrittenToTheTarget(int status)
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Token("made-up-elsewhere-token"));
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", r => LoopbackHttpServer.Redirect(status, new Uri(elsewhere.BaseAddress, r.Target)));
        var options = new OrumAuthOptions
        {
            ClientId = "made-up-client-id",
            ClientSecret = "made-up-client-secret",
            ApiBaseAddress = endpoint.BaseAddress,
        };

        // Against the README's advice: a handler that follows redirects, in a client built by hand.
        using var http = new HttpClient(new SocketsHttpHandler());
        var client = new OrumAuthClient(http, options);
        var error = await Assert.ThrowsAsync<OrumAuthException>(() => client.RequestTokenAsync().Within());

        Assert.Contains("Refused to send the Orum client secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere.Requests, r => r.Body.Contains("made-up-client-secret", StringComparison.Ordinal));
    }

    private sealed class PassThroughHandler : DelegatingHandler;

    private static async Task AnswerOnceWithRedirectAsync(TcpListener listener, int status, string location)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var answer = $"HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
    }
}
