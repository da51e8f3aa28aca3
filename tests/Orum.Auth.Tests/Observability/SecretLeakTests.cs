using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.Observability;

/// <summary>
/// Runs every scenario with distinctive secret and token values at Trace level and fails if either appears in any log
/// message, structured value, scope, exception, metric tag, activity tag or ToString() the scenario produced.
/// </summary>
[Collection(TelemetryTests.Name)]
public class SecretLeakTests
{
    private const string Secret = "s3cr3t-DO-NOT-LEAK-7f2a";
    private const string RotatedSecret = "s3cr3t-DO-NOT-LEAK-rotated-0b9e";
    private const string TokenMarker = "tok-DO-NOT-LEAK";

    public static TheoryData<string> Scenarios => new(
        "success", "400", "401", "403", "429", "500", "503", "418", "html", "unauthorized-replay", "rotation", "foreign-host", "truncated-json");

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_AtTraceLevel_NeverShowsSecretOrToken(string scenario)
    {
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Orum:ClientId"] = "client-leak-test", ["Orum:ClientSecret"] = Secret },
        };
        var configuration = new ConfigurationBuilder().Add(source).Build();
        using var services = new ObservedServices("unused", "unused", configuration: configuration.GetSection("Orum"));
        var seen = new List<string>();
        var tokenRequests = 0;
        var sentSecret = false;
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(async request =>
        {
            var body = await request.Content!.ReadAsStringAsync();
            sentSecret |= body.Contains(Secret, StringComparison.Ordinal) || body.Contains(RotatedSecret, StringComparison.Ordinal);
            var n = Interlocked.Increment(ref tokenRequests);
            return TokenResponse(scenario, n);
        });
        var apiCalls = 0;
        services.Api.When("*").Respond(_ =>
            scenario == "unauthorized-replay" && Interlocked.Increment(ref apiCalls) == 1
                ? ObservedServices.Error(HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized")
                : ObservedServices.Json(HttpStatusCode.OK, """{"balance":{"available":1}}"""));

        seen.Add(services.Provider.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().Get(Options.DefaultName).ToString());
        await CallAsync(services, scenario == "foreign-host" ? "https://elsewhere.example.com/x" : "deliver/balance", seen);
        if (scenario == "rotation")
        {
            configuration["Orum:ClientSecret"] = RotatedSecret;
            configuration.Reload();
            await CallAsync(services, "deliver/balance", seen);
        }

        try
        {
            seen.Add((await services.Tokens.GetTokenAsync()).ToString());
        }
        catch (Exception ex)
        {
            seen.Add(ex.ToString());
            seen.Add(ex.Message);
        }

        Collect(services, seen);

        // The scenario really ran: the secret went to the token endpoint and there was plenty to scan.
        Assert.True(sentSecret || scenario == "foreign-host", "the scenario never sent the secret to the token endpoint");
        Assert.True(services.Logs.GetSnapshot().Count > 3, "too few log records: is Trace logging on?");
        Assert.Empty(Leaks(seen));
    }

    [Fact]
    public void LeakScan_FindsALeak_WhenOneIsPlanted()
    {
        // The scan is only worth something if it can see a secret: plant one in a log scope and an activity tag.
        using var services = new ObservedServices("client", Secret);
        var logger = services.Provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Planted");
        using (logger.BeginScope(TokenMarker))
        {
            logger.Log(Microsoft.Extensions.Logging.LogLevel.Trace, 0, "state", null, (state, _) => state);
        }

        using (var activity = new System.Diagnostics.ActivitySource("Planted").StartActivity("planted"))
        {
            activity?.SetTag("oops", Secret);
        }

        var seen = new List<string>();
        Collect(services, seen);
        var leaks = Leaks(seen);
        Assert.Contains(leaks, l => l.Contains(TokenMarker, StringComparison.Ordinal));
        Assert.Contains(leaks, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    private static void Collect(ObservedServices services, List<string> seen)
    {
        foreach (var record in services.Logs.GetSnapshot())
        {
            seen.Add(record.Message);
            seen.Add(record.Exception?.ToString() ?? string.Empty);
            seen.Add(record.State?.ToString() ?? string.Empty);
            if (record.State is IEnumerable<KeyValuePair<string, string?>> values)
            {
                seen.AddRange(values.Select(kv => $"{record.Category}/{record.Id}: {kv.Key}={kv.Value}"));
            }

            seen.AddRange(record.Scopes.Select(scope => scope?.ToString() ?? string.Empty));
        }

        seen.AddRange(services.MetricTags);
        foreach (var activity in services.Activities)
        {
            seen.Add(activity.DisplayName);
            seen.Add(activity.StatusDescription ?? string.Empty);
            seen.AddRange(activity.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            seen.AddRange(activity.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")));
        }
    }

    private static List<string> Leaks(List<string> seen) =>
        [.. seen.Where(s => s.Contains(Secret, StringComparison.Ordinal) || s.Contains(RotatedSecret, StringComparison.Ordinal) || s.Contains(TokenMarker, StringComparison.Ordinal))];

    private static async Task CallAsync(ObservedServices services, string uri, List<string> seen)
    {
        try
        {
            using var response = await services.Deliver.GetAsync(new Uri(uri, UriKind.RelativeOrAbsolute));
            await response.EnsureOrumSuccessAsync();
        }
        catch (Exception ex)
        {
            seen.Add(ex.ToString());
        }
    }

    private static HttpResponseMessage TokenResponse(string scenario, int n)
    {
        var token = $"{TokenMarker}-91c4-{n}";
        return scenario switch
        {
            "400" => ObservedServices.Error(HttpStatusCode.BadRequest, "missing_client_id", "client_id is required"),
            "401" => ObservedServices.Error(HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized"),
            "403" => ObservedServices.Error(HttpStatusCode.Forbidden, "forbidden", "Forbidden"),
            "429" => WithHeader(ObservedServices.Error(HttpStatusCode.TooManyRequests, "too_many_requests", "Too Many Requests"), "Retry-After", "30"),
            "500" => ObservedServices.Error(HttpStatusCode.InternalServerError, "internal", "boom"),
            "503" => ObservedServices.Error(HttpStatusCode.ServiceUnavailable, "unavailable", "later"),
            "418" => ObservedServices.Error((HttpStatusCode)418, "teapot", "short and stout"),
            "html" => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent($"<html>{token}</html>", Encoding.UTF8, "text/html") },
            "truncated-json" => ObservedServices.Json(HttpStatusCode.OK, $$"""{"access_token":"{{token}}","expires_in":"""),
            _ => ObservedServices.Token(token),
        };
    }

    private static HttpResponseMessage WithHeader(HttpResponseMessage response, string name, string value)
    {
        response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }
}
