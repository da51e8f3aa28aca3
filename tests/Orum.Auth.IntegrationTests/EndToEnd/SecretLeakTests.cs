using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// The integration scenarios (success in both body formats, every error status, every fault kind, expiry and background
/// refresh, revocation and the 401 replay, credential rotation) on the real stack against the sandbox, at Trace level,
/// with a distinctive client secret. Fails if the secret, the rotated secret or any token the sandbox issued (or half of
/// one) appears in a log record (message, structured values, scopes, exception), a metric tag, an activity (name, status,
/// tags, baggage, events), an exception the caller got (message, ToString, Data, inner ones) or a ToString().
/// The sandbox's own logs are scanned too.
/// </summary>
public sealed class SecretLeakTests
{
    private const string ClientId = "client-leak-test";
    private const string Secret = "s3cr3t-DO-NOT-LEAK-3e8a51";
    private const string RotatedSecret = "s3cr3t-DO-NOT-LEAK-rotated-c40d";

    public static TheoryData<string> Scenarios => new(
        "success", "form", "400", "401", "403", "429", "500", "503", "418", "html", "truncated", "drop", "timeout",
        "expiry", "background-refresh", "background-refresh-failed", "revocation-replay", "rotation");

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_AtTraceLevel_NeverShowsTheSecretOrAToken(string scenario)
    {
        using var telemetry = new TelemetryRecorder();
        var tokens = new ConcurrentQueue<string>();
        var seen = new List<string>();
        using var sandboxLogs = new FakeLoggerProvider();
        using var sandboxLoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sandboxLogs));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();

        await using (var app = await SandboxApp.StartAsync(
            sandboxOptions: new OrumSandboxOptions { ClientId = ClientId, ClientSecret = Secret, LoggerFactory = sandboxLoggerFactory },
            registerAuth: (services, server) => RegisterFromConfiguration(services, server, configuration, scenario == "form"),
            configureAuth: auth => auth.TokenHttpClient.AddHttpMessageHandler(() => new TokenCapture(tokens)),
            configureServices: services => services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging()).AddMetrics()))
        {
            await RunAsync(app, scenario, configuration, seen);

            seen.Add(app.Server.ToString());
            seen.Add(app.Services.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().Get(Options.DefaultName).ToString());
            try
            {
                seen.Add((await app.Services.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().Within()).ToString());
            }
            catch (Exception ex)
            {
                seen.AddRange(TextsOf(ex));
            }

            var logs = app.Services.GetFakeLogCollector().GetSnapshot();
            Collect(logs, seen);
            Collect(sandboxLogs.Collector.GetSnapshot(), seen);

            // The scenario really ran: tokens were issued and seen, Trace logging was on, the token request was traced.
            Assert.NotEmpty(tokens);
            Assert.Contains(logs, r => r.Level == LogLevel.Trace);
            Assert.Contains(logs, r => r.Category == "Orum.Auth.OrumAuthClient" && r.Id.Id == 1);
        }

        Assert.True(telemetry.OrumSpans > 0, "no Orum.Auth span was recorded");
        seen.AddRange(telemetry.Texts);
        var secrets = new List<string> { Secret, RotatedSecret };
        foreach (var token in tokens.Where(t => t.Length >= 32))
        {
            secrets.Add(token[..16]);
            secrets.Add(token[^16..]);
        }

        List<string> leaks = [.. seen.Where(text => secrets.Any(secret => text.Contains(secret, StringComparison.Ordinal)))];
        Assert.Empty(leaks);
    }

    private static async Task RunAsync(SandboxApp app, string scenario, IConfigurationRoot configuration, List<string> seen)
    {
        var server = app.Server;
        switch (scenario)
        {
            case "success" or "form":
                await CallAsync(app, seen);
                await CallAsync(app, seen);
                break;
            case "400":
                await FailAsync(app, seen, OrumSandboxFault.Status(400, "missing_client_id", "client_id is required"));
                break;
            case "401":
                await FailAsync(app, seen, OrumSandboxFault.Status(401, "unauthorized", "Unauthorized"));
                break;
            case "403":
                await FailAsync(app, seen, OrumSandboxFault.Status(403, "forbidden", "Forbidden"));
                break;
            case "429":
                await FailAsync(app, seen, OrumSandboxFault.RateLimited(TimeSpan.FromSeconds(60)), coolDown: TimeSpan.FromSeconds(60));
                break;
            case "500":
                await FailAsync(app, seen, OrumSandboxFault.Status(500, "internal_server_error", "Internal Server Error"), times: 3);
                break;
            case "503":
                await FailAsync(app, seen, OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable"), times: 3);
                break;
            case "418":
                await FailAsync(app, seen, OrumSandboxFault.Status(418, "teapot", "I'm a teapot"));
                break;
            case "html":
                await FailAsync(app, seen, OrumSandboxFault.Html(502), times: 3);
                break;
            case "truncated":
                await FailAsync(app, seen, OrumSandboxFault.TruncatedBody());
                break;
            case "drop":
                await FailAsync(app, seen, OrumSandboxFault.DropConnection(), times: 3);
                break;
            case "timeout":
                server.EnqueueFault(OrumSandboxFault.Delay(TimeSpan.FromMinutes(5)));
                var held = CallAsync(app, seen);
                await server.WaitForTokenRequestsAsync(1).Within();
                app.Time.Advance(TimeSpan.FromSeconds(10)); // the attempt timeout; the retry gets a token
                await held;
                break;
            case "expiry":
                await CallAsync(app, seen);
                app.Time.Advance(server.TokenLifetime);
                await CallAsync(app, seen);
                break;
            case "background-refresh":
                await CallAsync(app, seen);
                app.Time.Advance(TimeSpan.FromSeconds(3600 - 300));
                await CallAsync(app, seen);
                await WaitForLogAsync(app, 5); // BackgroundRefreshSucceeded
                await CallAsync(app, seen);
                break;
            case "background-refresh-failed":
                await CallAsync(app, seen);
                for (var i = 0; i < 3; i++)
                {
                    server.EnqueueFault(OrumSandboxFault.Status(503, "service_unavailable", "Service Unavailable"));
                }

                app.Time.Advance(TimeSpan.FromSeconds(3600 - 300));
                await CallAsync(app, seen);
                await WaitForLogAsync(app, 6); // BackgroundRefreshFailed
                break;
            case "revocation-replay":
                await CallAsync(app, seen);
                app.Time.Advance(TimeSpan.FromMinutes(1));
                server.RevokeAllTokens();
                await CallAsync(app, seen); // 401, then the one replay with a new token
                break;
            case "rotation":
                await CallAsync(app, seen);
                app.Time.Advance(TimeSpan.FromMinutes(1));
                server.RotateCredentials("client-leak-test-rotated", RotatedSecret);
                server.RevokeAllTokens();
                await CallAsync(app, seen); // the old pair is refused: 401 to the caller
                SetCredentials(configuration, "client-leak-test-rotated", RotatedSecret);
                await CallAsync(app, seen);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "unknown scenario");
        }
    }

    /// <summary>The caller fails with <paramref name="fault"/>; after the cool-down the next call gets a token.</summary>
    private static async Task FailAsync(SandboxApp app, List<string> seen, OrumSandboxFault fault, int times = 1, TimeSpan? coolDown = null)
    {
        for (var i = 0; i < times; i++)
        {
            app.Server.EnqueueFault(fault);
        }

        var before = seen.Count;
        await CallAsync(app, seen);
        Assert.True(seen.Count > before, $"the caller got no exception for {fault}");
        app.Time.Advance(coolDown ?? TimeSpan.FromSeconds(5));
        await CallAsync(app, seen);
    }

    private static async Task CallAsync(SandboxApp app, List<string> seen)
    {
        try
        {
            await app.Deliver.GetAvailableBalanceAsync().Within();
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            seen.AddRange(TextsOf(ex));
        }
    }

    private static async Task WaitForLogAsync(SandboxApp app, int eventId)
    {
        using var timeout = new CancellationTokenSource(Bounded.Timeout);
        await foreach (var record in app.Services.GetFakeLogCollector().GetLogsAsync(timeout.Token))
        {
            if (record.Id.Id == eventId && record.Category?.StartsWith("Orum.Auth", StringComparison.Ordinal) == true)
            {
                return;
            }
        }
    }

    private static void Collect(IEnumerable<FakeLogRecord> records, List<string> seen)
    {
        foreach (var record in records)
        {
            seen.Add(record.Message);
            seen.Add(record.State?.ToString() ?? string.Empty);
            seen.AddRange(record.StructuredState?.Select(kv => $"{record.Category}/{record.Id}: {kv.Key}={kv.Value}") ?? []); // collections as their items
            seen.AddRange(record.Scopes.Select(scope => scope?.ToString() ?? string.Empty));
            if (record.Exception is { } exception)
            {
                seen.AddRange(TextsOf(exception));
            }
        }
    }

    private static IEnumerable<string> TextsOf(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var ex))
        {
            yield return ex.Message;
            yield return ex.ToString();
            foreach (DictionaryEntry entry in ex.Data)
            {
                yield return $"{entry.Key}={entry.Value}";
            }

            if (ex is OrumApiException api)
            {
                yield return $"{api.ErrorCode} {api.ErrorMessage} {api.Details}";
            }

            foreach (var inner in ex is AggregateException aggregate ? aggregate.InnerExceptions : ex.InnerException is { } one ? [one] : [])
            {
                pending.Push(inner);
            }
        }
    }

    private static IOrumAuthBuilder RegisterFromConfiguration(IServiceCollection services, OrumSandboxServer server, IConfigurationRoot configuration, bool form)
    {
        var memory = configuration.Providers.OfType<MemoryConfigurationProvider>().Single();
        memory.Set("Orum:ApiBaseAddress", server.BaseAddress.ToString());
        memory.Set("Orum:VaultBaseAddress", server.BaseAddress.ToString());
        memory.Set("Orum:ClientId", server.ClientId);
        memory.Set("Orum:ClientSecret", server.ClientSecret);
        memory.Set("Orum:TokenRequestFormat", form ? "Form" : "Json");
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
