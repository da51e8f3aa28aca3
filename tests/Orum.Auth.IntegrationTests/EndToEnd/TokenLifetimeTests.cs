using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>Token expiry on a clock shared by the sandbox and the client.</summary>
public sealed class TokenLifetimeTests
{
    [Fact]
    public async Task Deliver_AfterTheTokensLifetime_FetchesOneNewToken()
    {
        await using var app = await SandboxApp.StartAsync();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromSeconds(3600));
        await app.Deliver.GetAvailableBalanceAsync().Within();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(2, app.Server.TokenRequestCount);
        Assert.Equal(3, app.Server.ApiRequestCount);
    }

    [Fact]
    public async Task Deliver_BeforeTheRefreshWindow_ReusesTheToken()
    {
        await using var app = await SandboxApp.StartAsync();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromSeconds(3600 - 300 - 1)); // one second before RefreshBeforeExpiry (5 min) begins
        await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(1, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Deliver_InTheRefreshWindow_CallProceedsWithTheCurrentTokenWhileANewOneIsFetched()
    {
        await using var app = await SandboxApp.StartAsync();
        await app.Deliver.GetAvailableBalanceAsync().Within();
        app.Server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromSeconds(5))); // holds the background refresh at the sandbox

        app.Time.Advance(TimeSpan.FromSeconds(3600 - 300));
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within(); // completes although the refresh is still held
        await app.Server.WaitForTokenRequestsAsync(2).Within();

        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.ApiRequestCount);
        app.Time.Advance(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Deliver_ShortLivedTokens_AreRefreshedOnTheSandboxsLifetime()
    {
        await using var app = await SandboxApp.StartAsync(sandboxOptions: new OrumSandboxOptions { TokenLifetime = TimeSpan.FromSeconds(120) });
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromSeconds(120));
        await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(2, app.Server.TokenRequestCount);
    }
}
