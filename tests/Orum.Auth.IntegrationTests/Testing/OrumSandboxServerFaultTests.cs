using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;
using static Orum.Auth.IntegrationTests.Testing.OrumSandboxServerTokenEndpointTests;

namespace Orum.Auth.IntegrationTests.Testing;

/// <summary>What each queued fault puts on the wire, seen by a plain HttpClient.</summary>
public sealed class OrumSandboxServerFaultTests
{
    [Fact]
    public async Task Status_WithRetryAfter_SendsOrumErrorAndBothWaitHeaders()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Status(429, "too_many_requests", "Too Many Requests", TimeSpan.FromMilliseconds(1500)));

        using var response = await PostTokenAsync(http, server);

        await AssertErrorAsync(response, HttpStatusCode.TooManyRequests, "too_many_requests", "Too Many Requests");
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal("1.5s", Assert.Single(response.Headers.GetValues("X-Retry-In")));
    }

    [Fact]
    public async Task RateLimited_SubSecondWait_SendsMillisecondsInXRetryIn()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.RateLimited(TimeSpan.FromMilliseconds(350)));

        using var response = await PostTokenAsync(http, server);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("350ms", Assert.Single(response.Headers.GetValues("X-Retry-In")));
    }

    [Fact]
    public async Task Faults_AreServedOnePerRequestInOrder_ThenNormalAnswersResume()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Status(500, "internal_server_error", "Internal Server Error"));
        server.EnqueueFault(OrumSandboxFault.Html(502));

        using var first = await PostTokenAsync(http, server);
        using var second = await PostTokenAsync(http, server);
        using var third = await PostTokenAsync(http, server);

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(3, server.TokenRequestCount);
    }

    [Fact]
    public async Task Html_SendsAProxyStylePage()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Html(503));

        using var response = await PostTokenAsync(http, server);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>503 Service Unavailable</h1>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DropConnection_ClientSeesANetworkError()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.DropConnection());

        await Assert.ThrowsAsync<HttpRequestException>(() => PostTokenAsync(http, server));
        Assert.Equal(1, server.TokenRequestCount);
    }

    [Fact]
    public async Task TruncatedBody_HeadersArriveButTheBodyNeverCompletes()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.TruncatedBody());

        using var request = new HttpRequestMessage(HttpMethod.Post, TokenUri(server)) { Content = Form(("client_id", server.ClientId), ("client_secret", server.ClientSecret)) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.ContentLength > 0);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsByteArrayAsync().Within());
        Assert.True(error is IOException or HttpRequestException, $"Expected an I/O failure, got {error.GetType()}");
    }

    [Fact]
    public async Task Delay_AnswersOnlyWhenTheSharedClockHasAdvanced()
    {
        var clock = new FakeTimeProvider();
        await using var server = await OrumSandboxServer.StartAsync(new OrumSandboxOptions { TimeProvider = clock }).Within();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromSeconds(5)));

        var pending = PostTokenAsync(http, server);
        await server.WaitForTokenRequestsAsync(1).Within();
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(pending.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await pending.Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DisposeAsync_WithADelayThatNeverEnds_StopsPromptly()
    {
        var server = await OrumSandboxServer.StartAsync(new OrumSandboxOptions { TimeProvider = new FakeTimeProvider() }).Within();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromDays(1)));
        var pending = PostTokenAsync(http, server);
        await server.WaitForTokenRequestsAsync(1).Within();
        var waiter = server.WaitForTokenRequestsAsync(2);

        await server.DisposeAsync().AsTask().Within();

        await Assert.ThrowsAsync<HttpRequestException>(() => pending.Within());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiter.Within());
    }

    [Fact]
    public async Task TokenRequestCount_CountsFaultedRequestsToo()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        server.EnqueueFault(OrumSandboxFault.Status(403, "forbidden", "Forbidden"));

        using var forbidden = await PostTokenAsync(http, server);
        using var ok = await PostTokenAsync(http, server);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.TryGetProperty("access_token", out _));
        Assert.Equal(2, server.TokenRequestCount);
    }

    [Fact]
    public async Task SetFaultSource_IsAskedWhenNoFaultIsQueued_UntilRemoved()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var asked = 0;
        server.EnqueueFault(OrumSandboxFault.Status(500, "internal_server_error", "Internal Server Error"));
        server.SetFaultSource(() =>
        {
            Interlocked.Increment(ref asked);
            return OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable");
        });

        using var queued = await PostTokenAsync(http, server);
        using var down1 = await PostTokenAsync(http, server);
        using var down2 = await PostTokenAsync(http, server);
        server.SetFaultSource(() => null);
        using var sourceSaysNone = await PostTokenAsync(http, server);
        server.SetFaultSource(null);
        using var removed = await PostTokenAsync(http, server);

        Assert.Equal(HttpStatusCode.InternalServerError, queued.StatusCode); // the queue comes first
        await AssertErrorAsync(down1, HttpStatusCode.ServiceUnavailable, "service_unavailable", "Service Unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down2.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sourceSaysNone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(2, asked);
        Assert.Equal(5, server.TokenRequestCount);
    }

    [Fact]
    public void Factories_RejectMeaninglessArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OrumSandboxFault.Status(200, "ok", "OK"));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrumSandboxFault.Status(600, "x", "x"));
        Assert.Throws<ArgumentException>(() => OrumSandboxFault.Status(500, "", "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrumSandboxFault.Delay(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrumSandboxFault.Html(99));
        Assert.Equal("Status(429 too_many_requests, Retry-After 00:01:00)", OrumSandboxFault.RateLimited(TimeSpan.FromMinutes(1)).ToString());
    }

    private static Task<HttpResponseMessage> PostTokenAsync(HttpClient http, OrumSandboxServer server) =>
        http.PostAsync(TokenUri(server), Form(("client_id", server.ClientId), ("client_secret", server.ClientSecret))).Within();
}
