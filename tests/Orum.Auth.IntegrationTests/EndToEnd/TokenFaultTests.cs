using System.Net;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// Every fault kind on the token endpoint, and what a Deliver caller sees: the typed exception, or success after the
/// token pipeline's retry. Token request counts are exact: a retry that should not happen, or one that is missing, fails.
/// </summary>
public sealed class TokenFaultTests
{
    [Fact]
    public async Task Status400_IsNotRetried_CallerGetsOrumBadRequestException()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Status(400, "missing_client_id", "client_id is required"));

        var error = await Assert.ThrowsAsync<OrumBadRequestException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(OrumErrorCodes.MissingClientId, error.ErrorCode);
        Assert.Equal("client_id is required", error.ErrorMessage);
        Assert.Equal(1, app.Server.TokenRequestCount);
        Assert.Equal(0, app.Server.ApiRequestCount);
    }

    [Fact]
    public async Task Status401_IsNotRetried_CallerGetsOrumUnauthorizedException()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Status(401, "unauthorized", "Unauthorized"));

        var error = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal(OrumErrorCodes.Unauthorized, error.ErrorCode);
        Assert.DoesNotContain(app.Server.ClientSecret, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Status403_IsNotRetried_CallerGetsOrumForbiddenException()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Status(403, "forbidden", "Forbidden"));

        var error = await Assert.ThrowsAsync<OrumForbiddenException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal("forbidden", error.ErrorCode);
        Assert.Equal(1, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Status429_WithLongRetryAfter_IsNotRetried_AndTheCoolDownHonoursIt()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.RateLimited(TimeSpan.FromSeconds(60)));

        var first = await Assert.ThrowsAsync<OrumRateLimitedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());
        app.Time.Advance(TimeSpan.FromSeconds(59));
        var second = await Assert.ThrowsAsync<OrumRateLimitedException>(() => app.Deliver.GetAvailableBalanceAsync().Within());
        var requestsDuringCoolDown = app.Server.TokenRequestCount;
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(OrumErrorCodes.TooManyRequests, first.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(60), first.RetryAfter);
        Assert.Same(first, second);
        Assert.Equal(1, requestsDuringCoolDown);
        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Status429_WithShortRetryAfter_IsRetriedNoSoonerThanRetryAfter()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.RateLimited(TimeSpan.FromSeconds(1)));

        var call = app.Deliver.GetAvailableBalanceAsync();
        await app.Time.WaitForTimerAsync(TimeSpan.FromSeconds(1)).Within(); // the retry's wait has begun: exactly Retry-After, not the zero back-off
        var requestsWhileWaiting = app.Server.TokenRequestCount;
        var completedWhileWaiting = call.IsCompleted;
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var balance = await call.Within();

        Assert.Equal(1, requestsWhileWaiting);
        Assert.False(completedWhileWaiting);
        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Theory]
    [InlineData(500, "internal_server_error")]
    [InlineData(503, "service_unavailable")]
    public async Task Status5xx_Once_IsRetried_CallerSucceeds(int status, string errorCode)
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Status(status, errorCode, "Try again"));

        Assert.Equal(1_250_000, await app.Deliver.GetAvailableBalanceAsync().Within());
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Status503_OnEveryAttempt_CallerGetsOrumServerExceptionAfterThreeAttempts()
    {
        await using var app = await SandboxApp.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            app.Server.EnqueueFault(OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable"));
        }

        var error = await Assert.ThrowsAsync<OrumServerException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("service_unavailable", error.ErrorCode);
        Assert.Equal(3, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Delay_ShorterThanTheAttemptTimeout_CallerWaitsForItThenSucceeds()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromSeconds(5)));

        var call = app.Deliver.GetAvailableBalanceAsync();
        await app.Server.WaitForTokenRequestsAsync(1).Within();
        app.Time.Advance(TimeSpan.FromSeconds(4));
        var completedEarly = call.IsCompleted;
        app.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1_250_000, await call.Within());
        Assert.False(completedEarly);
        Assert.Equal(1, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Delay_LongerThanTheAttemptTimeout_AttemptIsAbandonedAndRetried()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromMinutes(5)));

        var call = app.Deliver.GetAvailableBalanceAsync();
        await app.Server.WaitForTokenRequestsAsync(1).Within();
        app.Time.Advance(TimeSpan.FromSeconds(10)); // the 10 s attempt timeout

        Assert.Equal(1_250_000, await call.Within());
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task DropConnection_Once_IsRetried_CallerSucceeds()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.DropConnection());

        Assert.Equal(1_250_000, await app.Deliver.GetAvailableBalanceAsync().Within());
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task DropConnection_OnEveryAttempt_CallerGetsOrumNetworkException()
    {
        await using var app = await SandboxApp.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            app.Server.EnqueueFault(OrumSandboxFault.DropConnection());
        }

        var error = await Assert.ThrowsAsync<OrumNetworkException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.False(error.IsTimeout);
        Assert.Equal(3, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task TruncatedBody_IsNotRetried_CallerGetsOrumInvalidResponseException_ThenRecoversAfterTheCoolDown()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.TruncatedBody());

        var error = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => app.Deliver.GetAvailableBalanceAsync().Within());
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var balance = await app.Deliver.GetAvailableBalanceAsync().Within();

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Equal(1_250_000, balance);
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Html502_Once_IsRetried_CallerSucceeds()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Html(502));

        Assert.Equal(1_250_000, await app.Deliver.GetAvailableBalanceAsync().Within());
        Assert.Equal(2, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Html502_OnEveryAttempt_CallerGetsOrumServerExceptionWithoutAnErrorCode()
    {
        await using var app = await SandboxApp.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            app.Server.EnqueueFault(OrumSandboxFault.Html(502));
        }

        var error = await Assert.ThrowsAsync<OrumServerException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Equal(3, app.Server.TokenRequestCount);
    }

    [Fact]
    public async Task Html200_IsNotRetried_CallerGetsOrumInvalidResponseException()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Html(200));

        var error = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => app.Deliver.GetAvailableBalanceAsync().Within());

        Assert.Equal("text/html", error.ContentType);
        Assert.Equal(1, app.Server.TokenRequestCount);
    }
}
