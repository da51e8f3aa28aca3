using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>The real stack (AddOrumAuth, HttpClientFactory, the bearer handler, sockets) against the sandbox: the happy path.</summary>
public sealed class TokenRequestTests
{
    [Theory]
    [InlineData(OrumTokenRequestFormat.Json, "application/json")]
    [InlineData(OrumTokenRequestFormat.Form, "application/x-www-form-urlencoded")]
    public async Task Deliver_TenCalls_UseOneTokenRequestInTheConfiguredFormat(OrumTokenRequestFormat format, string mediaType)
    {
        var recorder = new RecordingHandler();
        await using var app = await SandboxApp.StartAsync(
            configureClient: options => options.TokenRequestFormat = format,
            configureAuth: auth => auth.TokenHttpClient.AddHttpMessageHandler(() => recorder));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(1_250_000, await app.Deliver.GetAvailableBalanceAsync().Within());
        }

        Assert.Equal(1, app.Server.TokenRequestCount);
        Assert.Equal(10, app.Server.ApiRequestCount);
        Assert.Equal([mediaType], recorder.MediaTypes);
    }

    [Fact]
    public async Task Deliver_ConcurrentCallersWhileTheTokenIsInFlight_ShareOneTokenRequest()
    {
        await using var app = await SandboxApp.StartAsync();
        app.Server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromSeconds(1)));

        var calls = Enumerable.Range(0, 20).Select(_ => app.Deliver.GetAvailableBalanceAsync()).ToArray();
        await app.Server.WaitForTokenRequestsAsync(1).Within();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var balances = await Task.WhenAll(calls).Within();

        Assert.All(balances, balance => Assert.Equal(1_250_000, balance));
        Assert.Equal(1, app.Server.TokenRequestCount);
        Assert.Equal(20, app.Server.ApiRequestCount);
    }

    [Fact]
    public async Task CreatePerson_SendsTheBodyWithTokenAndVersion()
    {
        await using var app = await SandboxApp.StartAsync();

        var person = await app.Deliver.CreatePersonAsync("ref-42", "Grace", "Hopper").Within();

        Assert.Equal("ref-42", person.GetProperty("customer_reference_id").GetString());
        Assert.Equal("Grace", person.GetProperty("first_name").GetString());
        Assert.Equal("created", person.GetProperty("status").GetString());
    }
}
