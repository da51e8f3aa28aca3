using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary><c>AddOrumBearerTokenHandler</c>: which credential a client gets, and that handlers hold no token of their own.</summary>
public class OrumAuthHttpClientBuilderExtensionsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);

    [Fact]
    public async Task AddOrumBearerTokenHandler_SeveralClientsWithTheirOwnHandlers_ShareOneToken()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var chains = 0;
        var services = new ServiceCollection();
        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        foreach (var name in new[] { "deliver", "verify", "vault" })
        {
            services.AddHttpClient(name, c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
                .AddOrumBearerTokenHandler()
                .ConfigurePrimaryHttpMessageHandler(() =>
                {
                    Interlocked.Increment(ref chains);
                    return api.Handler;
                });
        }

        await using var provider = services.BuildStrict();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        foreach (var name in new[] { "deliver", "verify", "vault", "deliver" })
        {
            using var response = await factory.CreateClient(name).GetAsync(Balance).WaitAsync(Limit);
        }

        Assert.Equal(3, chains); // three handler chains, hence three OrumBearerTokenHandler instances
        Assert.Equal(1, token.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
    }

    [Fact]
    public async Task OrumBearerTokenHandler_ReplacedAsAfterHandlerRotation_KeepsTheCachedToken()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        await using var provider = services.BuildStrict();
        var tokens = provider.GetRequiredService<IOrumTokenProvider>();
        var options = provider.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().CurrentValue;

        // What HttpClientFactory does when a handler's lifetime ends: build a new chain, dispose the old one.
        for (var generation = 0; generation < 3; generation++)
        {
            using var handler = new OrumBearerTokenHandler(tokens, options) { InnerHandler = new Forwarder(api.Handler) };
            using var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(OrumTestServices.SandboxApi) };
            using var response = await client.GetAsync(Balance).WaitAsync(Limit);
        }

        Assert.Equal(1, token.Count);
        Assert.Equal(3, api.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
    }

    [Fact]
    public async Task AddOrumBearerTokenHandler_UnknownCredentialName_FailsNamingIt()
    {
        var services = new ServiceCollection();
        services.AddOrumAuth("payouts", OrumTestServices.Credentials);
        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi)).AddOrumBearerTokenHandler("payuots");
        await using var provider = services.BuildStrict();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<DeliverClient>());

        Assert.Contains("'payuots'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddOrumAuth(\"payuots\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddOrumBearerTokenHandler_NoCredentialRegistered_FailsSayingWhatToCall()
    {
        var services = new ServiceCollection();
        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi)).AddOrumBearerTokenHandler();
        await using var provider = services.BuildStrict();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<DeliverClient>());

        Assert.Contains("AddOrumAuth", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends to a shared handler without disposing it when the chain is disposed.</summary>
    private sealed class Forwarder(HttpMessageHandler target) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(target, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _invoker.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
