using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// Rotation as Orum describes it (new pair, switch callers, delete the old pair), with options bound from a reloadable
/// configuration source: the app takes the new pair without a restart and stops using tokens minted with the old one.
/// </summary>
public sealed class CredentialRotationTests
{
    private const string RotatedId = "made-up-rotated-client-id";
    private const string RotatedSecret = "made-up-rotated-client-secret";

    [Fact]
    public async Task Deliver_AfterTheConfigurationReloadsWithTheNewPair_NextCallUsesIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        await using var app = await SandboxApp.StartAsync(registerAuth: (services, server) => RegisterFromConfiguration(services, server, configuration));
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Server.RotateCredentials(RotatedId, RotatedSecret);
        await app.Deliver.GetAvailableBalanceAsync().Within(); // the old pair's token is still valid at the sandbox
        var beforeReload = app.Server.TokenRequestCount;
        SetCredentials(configuration, RotatedId, RotatedSecret);
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(1, beforeReload);
        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount); // the cached token was dropped; the new pair was accepted
    }

    [Fact]
    public async Task Deliver_OldPairDeleted_FailsUntilTheConfigurationReloads_ThenRecoversAtOnce()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        await using var app = await SandboxApp.StartAsync(registerAuth: (services, server) => RegisterFromConfiguration(services, server, configuration));
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromMinutes(1)); // the token was in use for a while
        app.Server.RotateCredentials(RotatedId, RotatedSecret);
        app.Server.RevokeAllTokens(); // the old pair is deleted, and its tokens with it
        var error = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());
        SetCredentials(configuration, RotatedId, RotatedSecret); // within the failure cool-down: the new pair must not wait for it
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(OrumErrorCodes.Unauthorized, error.ErrorCode);
        Assert.Equal(1_250_000, balance);
        Assert.Equal(3, app.Server.TokenRequestCount); // first token, the replay's refused request with the old pair, the new pair's
    }

    private static IOrumAuthBuilder RegisterFromConfiguration(IServiceCollection services, OrumSandboxServer server, IConfigurationRoot configuration)
    {
        var memory = configuration.Providers.OfType<MemoryConfigurationProvider>().Single();
        memory.Set("Orum:ApiBaseAddress", server.BaseAddress.ToString());
        memory.Set("Orum:VaultBaseAddress", server.BaseAddress.ToString());
        memory.Set("Orum:ClientId", server.ClientId);
        memory.Set("Orum:ClientSecret", server.ClientSecret);
        return services.AddOrumAuth(configuration.GetSection("Orum"));
    }

    private static void SetCredentials(IConfigurationRoot configuration, string clientId, string clientSecret)
    {
        var memory = configuration.Providers.OfType<MemoryConfigurationProvider>().Single();
        memory.Set("Orum:ClientId", clientId);
        memory.Set("Orum:ClientSecret", clientSecret);
        configuration.Reload();
    }
}
