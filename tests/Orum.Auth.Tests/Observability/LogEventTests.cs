using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.Observability;

public class LogEventTests
{
    private const string Secret = "made-up-secret";

    [Fact]
    public async Task TokenRequest_Success_LogsRequestedAndAcquired()
    {
        using var services = new ObservedServices("client-1", Secret);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));

        await services.Tokens.GetTokenAsync();

        var requested = Single(services.Logs, 1, "TokenRequested");
        Assert.Equal(LogLevel.Debug, requested.Level);
        Assert.Equal("Orum.Auth.OrumAuthClient", requested.Category);
        var acquired = Single(services.Logs, 2, "TokenAcquired");
        Assert.Equal(LogLevel.Information, acquired.Level);
        Assert.Contains("01:00:00", acquired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequest_Refused_LogsFailureWithStatusAndCodeThenCoolDown()
    {
        using var services = new ObservedServices("client-1", Secret);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Error(HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized"));

        await Assert.ThrowsAsync<OrumUnauthorizedException>(() => services.Tokens.GetTokenAsync().AsTask());
        await Assert.ThrowsAsync<OrumUnauthorizedException>(() => services.Tokens.GetTokenAsync().AsTask());

        var failed = Single(services.Logs, 3, "TokenRequestFailed");
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("401", failed.Message, StringComparison.Ordinal);
        Assert.Contains("unauthorized", failed.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, Single(services.Logs, 7, "CoolDownStarted").Level);
        Assert.Equal(LogLevel.Trace, Single(services.Logs, 13, "CoolDownActive").Level);
    }

    [Fact]
    public async Task BackgroundRefresh_LogsStartedSucceededAndFailed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var services = new ObservedServices("client-1", Secret, timeProvider: time);
        var responses = new Queue<Func<HttpResponseMessage>>(
        [
            () => ObservedServices.Token("made-up-token-1"),
            () => ObservedServices.Token("made-up-token-2"),
            () => ObservedServices.Error(HttpStatusCode.BadRequest, "missing_client_id", "client_id is required"),
        ]);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => responses.Dequeue()());

        await services.Tokens.GetTokenAsync();
        time.Advance(TimeSpan.FromMinutes(55));
        await services.Tokens.GetTokenAsync(); // starts a refresh that succeeds
        await WaitForAsync(services.Logs, 5);
        time.Advance(TimeSpan.FromMinutes(55));
        await services.Tokens.GetTokenAsync(); // starts a refresh that fails
        await WaitForAsync(services.Logs, 6);

        Assert.Equal(2, services.Logs.GetSnapshot().Count(r => r.Id.Id == 4 && r.Id.Name == "BackgroundRefreshStarted"));
        Assert.Equal(LogLevel.Debug, Single(services.Logs, 5, "BackgroundRefreshSucceeded").Level);
        var failed = Single(services.Logs, 6, "BackgroundRefreshFailed");
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.IsType<OrumBadRequestException>(failed.Exception);
    }

    [Fact]
    public async Task Handler_UnauthorizedThenOk_LogsReplay()
    {
        using var services = new ObservedServices("client-1", Secret);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));
        var statuses = new Queue<HttpStatusCode>([HttpStatusCode.Unauthorized, HttpStatusCode.OK]);
        services.Api.When("*/deliver/balance").Respond(_ => new HttpResponseMessage(statuses.Dequeue()));

        using var response = await services.Deliver.GetAsync(new Uri("deliver/balance", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replay = Single(services.Logs, 8, "UnauthorizedReplay");
        Assert.Equal("Orum.Auth.OrumBearerTokenHandler", replay.Category);
    }

    [Fact]
    public async Task Handler_UnauthorizedWithABodyTooLargeToBuffer_LogsReplaySkipped()
    {
        using var services = new ObservedServices("client-1", Secret);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));
        services.Api.When("*/deliver/persons").Respond(HttpStatusCode.Unauthorized);
        using var body = new MemoryStream(new byte[100 * 1024]); // a stream over the 64 KiB replay buffer
        using var content = new StreamContent(body);

        using var response = await services.Deliver.PostAsync(new Uri("deliver/persons", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var skipped = Single(services.Logs, 12, "UnauthorizedReplaySkipped");
        Assert.Equal(LogLevel.Information, skipped.Level);
        Assert.Equal("Orum.Auth.OrumBearerTokenHandler", skipped.Category);
        Assert.DoesNotContain(services.Logs.GetSnapshot(), r => r.Id.Id == 8); // nothing was replayed
    }

    [Fact]
    public async Task Handler_ForeignHost_LogsRefusal()
    {
        using var services = new ObservedServices("client-1", Secret);
        var anyToken = services.TokenEndpoint.When("*");
        anyToken.Respond(_ => ObservedServices.Token("made-up-token"));
        var anyApi = services.Api.When("*");
        anyApi.Respond(HttpStatusCode.OK);

        await Assert.ThrowsAsync<OrumAuthException>(() => services.Deliver.GetAsync(new Uri("https://attacker.example.com/steal")));

        var refused = Single(services.Logs, 9, "HostRefused");
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Contains("attacker.example.com", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, services.Api.GetMatchCount(anyApi)); // nothing was sent
        Assert.Equal(0, services.TokenEndpoint.GetMatchCount(anyToken)); // not even a token was requested
    }

    [Fact]
    public async Task OptionsReload_WithNewSecret_LogsRotation()
    {
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Orum:ClientId"] = "client-1", ["Orum:ClientSecret"] = Secret },
        };
        var configuration = new ConfigurationBuilder().Add(source).Build();
        using var services = new ObservedServices("unused", "unused", configuration: configuration.GetSection("Orum"));
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));
        await services.Tokens.GetTokenAsync();

        configuration["Orum:ClientSecret"] = "made-up-secret-2";
        configuration.Reload();

        Assert.Equal(LogLevel.Information, Single(services.Logs, 10, "CredentialsRotated").Level);
    }

    private static FakeLogRecord Single(FakeLogCollector logs, int id, string name) =>
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == id && r.Id.Name == name && r.Category?.StartsWith("Orum.Auth", StringComparison.Ordinal) == true);

    // A background refresh logs from the thread that completes it: wait (bounded) for that record as it is written,
    // never a fixed sleep or a spin.
    private static async Task WaitForAsync(FakeLogCollector logs, int id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var record in logs.GetLogsAsync(timeout.Token))
        {
            if (record.Id.Id == id && record.Category?.StartsWith("Orum.Auth", StringComparison.Ordinal) == true)
            {
                return;
            }
        }
    }
}
