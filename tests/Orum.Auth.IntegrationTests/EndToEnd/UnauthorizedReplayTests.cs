using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>A token the sandbox no longer accepts: the handler's one replay with a fresh token, and what happens without it.</summary>
public sealed class UnauthorizedReplayTests
{
    [Fact]
    public async Task Deliver_AfterRevokeAllTokens_ReplaysOnceWithOneNewToken()
    {
        await using var app = await SandboxApp.StartAsync();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromMinutes(1)); // the token was in use for a while
        app.Server.RevokeAllTokens();
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount); // exactly one extra token request
        Assert.Equal(4, app.Server.ApiRequestCount); // 1 + (401 + replay) + 1
    }

    [Fact]
    public async Task CreatePerson_AfterRevokeAllTokens_ReplaysTheSameBody()
    {
        await using var app = await SandboxApp.StartAsync();
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromMinutes(1)); // the token was in use for a while
        app.Server.RevokeAllTokens();
        var person = await app.Deliver.CreatePersonAsync("ref-7", "Katherine", "Johnson").Within();

        Assert.Equal("ref-7", person.GetProperty("customer_reference_id").GetString());
        Assert.Equal("Katherine", person.GetProperty("first_name").GetString());
        Assert.Equal("Johnson", person.GetProperty("last_name").GetString());
        Assert.Equal(2, app.Server.TokenRequestCount);
        Assert.Equal(3, app.Server.ApiRequestCount);
    }

    [Fact]
    public async Task Deliver_RevokedAndRetryOnUnauthorizedOff_CallerGetsOrumUnauthorizedException()
    {
        await using var app = await SandboxApp.StartAsync(configureClient: options => options.RetryOnUnauthorized = false);
        await app.Deliver.GetAvailableBalanceAsync().Within();

        app.Time.Advance(TimeSpan.FromMinutes(1)); // the token was in use for a while
        app.Server.RevokeAllTokens();
        var error = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal(OrumErrorCodes.Unauthorized, error.ErrorCode);
        Assert.Equal(1, app.Server.TokenRequestCount);
        Assert.Equal(2, app.Server.ApiRequestCount);
    }

    [Fact]
    public async Task Deliver_RevokedAndRetryOnUnauthorizedOff_NextCallGetsANewToken()
    {
        await using var app = await SandboxApp.StartAsync(configureClient: options => options.RetryOnUnauthorized = false);
        await app.Deliver.GetAvailableBalanceAsync().Within();
        app.Time.Advance(TimeSpan.FromMinutes(1)); // the token was in use for a while
        app.Server.RevokeAllTokens();
        await Assert.ThrowsAsync<OrumUnauthorizedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Deliver_EveryTokenRejected_SecondUnauthorizedGoesToTheCaller()
    {
        // Tokens that expire the moment they are issued: the sandbox refuses the first token and the replay's alike.
        await using var app = await SandboxApp.StartAsync(sandboxOptions: new OrumSandboxOptions { TokenLifetime = TimeSpan.Zero });

        var call = app.Deliver.GetAvailableBalanceAsync();
        await app.Time.WaitForTimerAsync(TimeSpan.FromSeconds(1)).Within(); // the replay's token request waits out the floor
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => call.Within());

        Assert.Equal(OrumErrorCodes.Unauthorized, error.ErrorCode);
        Assert.Equal(2, app.Server.TokenRequestCount); // the first token and the replay's: no third attempt
        Assert.Equal(2, app.Server.ApiRequestCount);
    }
}
