using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.IntegrationTests.TestSupport;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// Deliver/Verify requests that an allowed host redirects, over real sockets. HttpClient's redirect handling (on by
/// default) rewrites the request's URI and drops its Authorization header; whatever the target answers, the token goes
/// only to the origins the credential allows, and a 401 that never saw the token costs no token request.
/// </summary>
public sealed class RedirectedRequestTests
{
    private static readonly Uri Balance = new("deliver/balance", UriKind.Relative);

    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    public async Task Deliver_AllowedHostRedirectsToAnotherHostThatAnswers401_TheOtherHostNeverGetsAToken(int status)
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Unauthorized());
        var orum = new FakeOrum(request => LoopbackHttpServer.Redirect(status, new Uri(elsewhere.BaseAddress, request.Target)));
        await using var _ = orum;
        await using var provider = BuildDeliver(orum.Server.BaseAddress);
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        for (var call = 0; call < 3; call++)
        {
            using var response = await deliver.GetAsync(Balance).Within();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.All(elsewhere.Requests, r => Assert.Null(r.Authorization));
        Assert.Equal(3, elsewhere.Requests.Count); // one redirected request per call, never a replay
        Assert.Equal(1, orum.TokenRequests); // the 401 never saw the token: it is not dropped
    }

    [Fact]
    public async Task Deliver_RedirectToAnotherPathOnTheSameOrigin_OneTokenRequestForEveryCall()
    {
        var orum = new FakeOrum(request => request.Target switch
        {
            "/deliver/balance" => LoopbackHttpServer.Redirect(302, new Uri("/deliver/balance/v2", UriKind.Relative)),
            _ when request.Authorization?.StartsWith("Bearer test-token-5a0f-", StringComparison.Ordinal) == true =>
                LoopbackHttpServer.Response(200, "{}"),
            _ => LoopbackHttpServer.Unauthorized(),
        });
        await using var _ = orum;
        await using var provider = BuildDeliver(orum.Server.BaseAddress);
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        for (var call = 0; call < 5; call++)
        {
            using var response = await deliver.GetAsync(Balance).Within();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, orum.TokenRequests);
        var redirected = orum.Server.Requests.Where(r => r.Target == "/deliver/balance/v2").ToList();
        Assert.Equal(10, redirected.Count); // per call: the redirected request without a token, then the same with it
        Assert.Equal(5, redirected.Count(r => r.Authorization == "Bearer test-token-5a0f-1"));
    }

    [Fact]
    public async Task Deliver_RedirectTargetOnTheSameOriginRefusesTheToken_DroppedAndReplacedOnce()
    {
        // The target accepts only tokens issued after the first: the first is revoked.
        var orum = new FakeOrum(request => request.Target switch
        {
            "/deliver/balance" => LoopbackHttpServer.Redirect(307, new Uri("/deliver/balance/v2", UriKind.Relative)),
            _ when request.Authorization is { } value && value != "Bearer test-token-5a0f-1" => LoopbackHttpServer.Response(200, "{}"),
            _ => LoopbackHttpServer.Unauthorized(),
        });
        await using var _ = orum;
        await using var provider = BuildDeliver(orum.Server.BaseAddress);
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        using var first = await deliver.GetAsync(Balance).Within();
        using var second = await deliver.GetAsync(Balance).Within();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, orum.TokenRequests);
    }

    [Fact]
    public async Task Deliver_OtherPortOnTheApiHost_RefusedBeforeAnythingIsSent()
    {
        // Any other service on the same machine (a cache, a database, an admin port) is another origin.
        await using var otherService = LoopbackHttpServer.Start("127.0.0.1", _ => LoopbackHttpServer.Response(200, "{}"));
        var orum = new FakeOrum(_ => LoopbackHttpServer.Response(200, "{}"));
        await using var _ = orum;
        await using var provider = BuildDeliver(orum.Server.BaseAddress);
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        var refused = await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri(otherService.BaseAddress, "data")).Within());
        using var allowed = await deliver.GetAsync(Balance).Within();

        Assert.Empty(otherService.Requests);
        Assert.Contains(otherService.BaseAddress.Authority, refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    private static ServiceProvider BuildDeliver(Uri orum)
    {
        var services = new ServiceCollection();
        services.AddOrumAuth(options =>
        {
            options.ClientId = "made-up-client-id";
            options.ClientSecret = "made-up-client-secret";
            options.ApiBaseAddress = orum;
        });
        services.AddHttpClient("deliver", http => http.BaseAddress = orum).AddOrumBearerTokenHandler();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Orum on 127.0.0.1: <c>POST /oauth/token</c> issues <c>test-token-5a0f-1</c>, <c>-2</c>, …; the rest is the test's.</summary>
    private sealed class FakeOrum : IAsyncDisposable
    {
        private readonly Func<ReceivedRequest, string> _api;
        private int _issued;

        public FakeOrum(Func<ReceivedRequest, string> api)
        {
            _api = api;
            Server = LoopbackHttpServer.Start("127.0.0.1", Respond);
        }

        public LoopbackHttpServer Server { get; }

        public int TokenRequests => Volatile.Read(ref _issued);

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        private string Respond(ReceivedRequest request) =>
            request.Target == "/oauth/token"
                ? LoopbackHttpServer.Token($"test-token-5a0f-{Interlocked.Increment(ref _issued)}")
                : _api(request);
    }
}
