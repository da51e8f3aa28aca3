// Native-AOT smoke test: configuration binding, options validation, the resilience pipeline, JSON source generation,
// the token cache and the bearer handler, all running in a trimmed native binary against an in-process fake Orum.
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth;

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Orum:ClientId"] = "made-up-aot-client",
        ["Orum:ClientSecret"] = "made-up-aot-secret",
        ["Orum:Environment"] = "Production",
        ["Orum:TokenRequestFormat"] = "Form",
    })
    .Build();

var fake = new FakeOrum();
var services = new ServiceCollection();
services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => fake);
services.AddHttpClient("deliver", c => c.BaseAddress = new Uri("https://api.orum.io/"))
    .AddOrumBearerTokenHandler()
    .ConfigurePrimaryHttpMessageHandler(() => fake);

await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

for (var i = 0; i < 3; i++)
{
    using var response = await deliver.GetAsync(new Uri("deliver/balance", UriKind.Relative));
    await response.EnsureOrumSuccessAsync();
}

var token = await provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync();
if (fake.TokenRequests != 1 || fake.AuthorizedCalls != 3 || token.ExpiresIn != TimeSpan.FromHours(1))
{
    Console.Error.WriteLine($"AOT smoke test failed: {fake.TokenRequests} token requests, {fake.AuthorizedCalls} authorized calls, {token}");
    return 1;
}

try
{
    using var refused = await deliver.GetAsync(new Uri("https://example.com/"));
    Console.Error.WriteLine("AOT smoke test failed: a foreign host got a token");
    return 1;
}
catch (OrumAuthException)
{
}

Console.WriteLine($"AOT smoke test passed: 1 token request, 3 authorized calls, {token}");
return 0;

internal sealed class FakeOrum : HttpMessageHandler
{
    private int _tokenRequests;
    private int _authorizedCalls;

    public int TokenRequests => _tokenRequests;

    public int AuthorizedCalls => _authorizedCalls;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri!.AbsolutePath == "/oauth/token")
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            if (!body.Contains("client_secret=made-up-aot-secret", StringComparison.Ordinal))
            {
                return Json(HttpStatusCode.Unauthorized, """{"error_code":"unauthorized","message":"Unauthorized","details":null}""");
            }

            Interlocked.Increment(ref _tokenRequests);
            return Json(HttpStatusCode.OK, """{"access_token":"made-up-aot-token","token_type":"Bearer","expires_in":3600}""");
        }

        if (request.Headers.Authorization?.Parameter != "made-up-aot-token" || !request.Headers.Contains("Orum-Version"))
        {
            return Json(HttpStatusCode.Unauthorized, """{"error_code":"unauthorized","message":"Unauthorized","details":null}""");
        }

        Interlocked.Increment(ref _authorizedCalls);
        return Json(HttpStatusCode.OK, """{"balance":{"available":100,"currency":"USD"}}""");
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
