using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests;

/// <summary>The README's "Testing your own code" example, compiled and run (the README omits the .Within() bounds).</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task Balance_WhenOrumRateLimitsTheTokenRequest_SurfacesRetryAfterWithoutHammering()
    {
        await using var orum = await OrumSandboxServer.StartAsync().Within();
        orum.EnqueueFault(OrumSandboxFault.RateLimited(TimeSpan.FromSeconds(60)));

        var services = new ServiceCollection();
        services.AddOrumAuth(options => orum.ConfigureFor(options));
        services.AddHttpClient<DeliverClient>(http => http.BaseAddress = orum.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<DeliverClient>();

        var error = await Assert.ThrowsAsync<OrumRateLimitedException>(() => deliver.GetAvailableBalanceAsync().Within());
        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
        Assert.Equal(1, orum.TokenRequestCount); // not retried: Orum asked for a minute
    }
}
