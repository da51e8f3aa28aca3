using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.Observability;

/// <summary>
/// HttpClientFactory's inner logger writes the request headers at Trace after the bearer handler has set Authorization,
/// with the raw value in the record's structured state: AddOrumBearerTokenHandler keeps those records from being written.
/// </summary>
public class HeaderLogTests
{
    private const string Token = "tok-header-log-9c1e";
    private const string ClientHandler = "System.Net.Http.HttpClient.deliver.ClientHandler";
    private const string LogicalHandler = "System.Net.Http.HttpClient.deliver.LogicalHandler";

    [Fact]
    public async Task TraceLevel_TheInnerHeaderRecordIsNotWritten_StartEndAndOuterHeadersAre()
    {
        var records = await CallAsync(logging => logging.SetMinimumLevel(LogLevel.Trace));

        Assert.DoesNotContain(records, r => r.Category == ClientHandler && r.Level == LogLevel.Trace);
        Assert.Contains(records, r => r.Category == ClientHandler && r.Id.Id == 100); // request start
        Assert.Contains(records, r => r.Category == ClientHandler && r.Id.Id == 101); // request end
        Assert.Contains(records, r => r.Category == LogicalHandler && r.Id.Id == 102); // headers before the token is set
        Assert.DoesNotContain(records, r => string.Join(' ', r.StructuredState?.Select(kv => kv.Value) ?? []).Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProviderSpecificTraceRule_DoesNotBringTheInnerHeaderRecordBack()
    {
        // A provider's own rule beats any rule for all providers in Microsoft.Extensions.Logging, even a shorter category.
        var records = await CallAsync(logging => logging.AddFilter<FakeLoggerProvider>(category: null, LogLevel.Trace));

        Assert.DoesNotContain(records, r => r.Category == ClientHandler && r.Level == LogLevel.Trace);
        Assert.Contains(records, r => r.Category == LogicalHandler && r.Id.Id == 102); // Trace is on
    }

    [Fact]
    public async Task AppRuleForExactlyThatCategory_IsLeftToWin()
    {
        var records = await CallAsync(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFilter(ClientHandler, LogLevel.Trace));

        var headers = Assert.Single(records, r => r.Category == ClientHandler && r.Id.Id == 102);
        Assert.Contains("Authorization: *", headers.Message, StringComparison.Ordinal); // the message is still redacted
    }

    private static async Task<IReadOnlyList<FakeLogRecord>> CallAsync(Action<ILoggingBuilder> configureLogging)
    {
        using var tokenEndpoint = new MockHttpMessageHandler();
        tokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token(Token));
        using var api = new MockHttpMessageHandler();
        string? sent = null;
        api.When("*").Respond(request =>
        {
            sent = request.Headers.Authorization?.ToString();
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.AddFakeLogging();
            configureLogging(logging);
        });
        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => tokenEndpoint);
        services.AddHttpClient("deliver", c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => api);
        await using var provider = services.BuildStrict();

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver")
            .GetAsync(new Uri("deliver/balance", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {Token}", sent); // the token really went out on this client
        return provider.GetFakeLogCollector().GetSnapshot();
    }
}
