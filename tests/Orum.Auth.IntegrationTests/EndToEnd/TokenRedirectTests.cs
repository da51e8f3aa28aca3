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
