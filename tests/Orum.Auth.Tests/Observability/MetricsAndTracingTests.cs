using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.Observability;

[Collection(TelemetryTests.Name)]
public class MetricsAndTracingTests
{
    [Fact]
    public async Task TokenRequests_AreCountedByOutcomeWithBoundedTags()
    {
        using var services = new ObservedServices("client-1", "made-up-secret");
        var statuses = new Queue<Func<HttpResponseMessage>>(
        [
            () => ObservedServices.Error(HttpStatusCode.Forbidden, "some_new_code_with_an_id_1234", "Forbidden"),
            () => ObservedServices.Token("made-up-token"),
        ]);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => statuses.Dequeue()());
        using var requests = Collector<long>(services, "orum.auth.token.requests");
        using var duration = Collector<double>(services, "orum.auth.token.request.duration");
        var client = services.Provider.GetRequiredService<OrumAuthClient>();

        await Assert.ThrowsAsync<OrumForbiddenException>(() => client.RequestTokenAsync());
        await client.RequestTokenAsync();

        var measurements = requests.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        Assert.Equal("error", measurements[0].Tags["orum.auth.outcome"]);
        Assert.Equal("4xx", measurements[0].Tags["orum.auth.status_class"]);
        Assert.Equal("other", measurements[0].Tags["orum.auth.error_code"]); // undocumented codes never become tag values
        Assert.Equal("success", measurements[1].Tags["orum.auth.outcome"]);
        Assert.Equal("default", measurements[1].Tags["orum.auth.credential"]);
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task CacheHitsAndReplays_AreCounted()
    {
        using var services = new ObservedServices("client-1", "made-up-secret");
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));
        var statuses = new Queue<HttpStatusCode>([HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK]);
        services.Api.When("*/deliver/balance").Respond(_ => new HttpResponseMessage(statuses.Dequeue()));
        using var hits = Collector<long>(services, "orum.auth.cache.hits");
        using var replays = Collector<long>(services, "orum.auth.handler.unauthorized_replays");

        (await services.Deliver.GetAsync(new Uri("deliver/balance", UriKind.Relative))).Dispose(); // miss: first token
        (await services.Deliver.GetAsync(new Uri("deliver/balance", UriKind.Relative))).Dispose(); // hit, 401, miss, replay

        Assert.Single(hits.GetMeasurementSnapshot());
        Assert.Equal(1, replays.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task TokenRequest_IsTracedWithStatusErrorCodeAndAttempts()
    {
        using var services = new ObservedServices("client-1", "made-up-secret");
        var endpoint = services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token");
        endpoint.Respond(_ => ObservedServices.Error(HttpStatusCode.ServiceUnavailable, "unavailable", "try later"));
        var client = services.Provider.GetRequiredService<OrumAuthClient>();

        await Assert.ThrowsAsync<OrumServerException>(() => client.RequestTokenAsync());

        var span = Assert.Single(services.Activities, a => a.Source.Name == "Orum.Auth");
        Assert.Equal("Orum.Auth.RequestToken", span.OperationName);
        Assert.Equal("5xx", span.GetTagItem("orum.auth.status_class"));
        Assert.Equal(3, span.GetTagItem("orum.auth.attempts")); // the resilience pipeline's three attempts, under one span
        Assert.Equal(503, span.GetTagItem("http.response.status_code"));
        Assert.Equal("other", span.GetTagItem("orum.auth.error_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(3, services.TokenEndpoint.GetMatchCount(endpoint));
    }

    [Fact]
    public async Task TokenRequest_IsTracedUnderTheCallersActivity()
    {
        using var services = new ObservedServices("client-1", "made-up-secret");
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => ObservedServices.Token("made-up-token"));
        using var incoming = new ActivitySource("Test.Incoming");

        using (var parent = incoming.StartActivity("GET /payouts"))
        {
            await services.Provider.GetRequiredService<OrumAuthClient>().RequestTokenAsync();

            var span = Assert.Single(services.Activities, a => a.Source.Name == "Orum.Auth");
            Assert.NotNull(parent);
            Assert.Equal(parent.TraceId, span.TraceId);
            Assert.Equal(parent.SpanId, span.ParentSpanId);
            Assert.Equal("success", span.GetTagItem("orum.auth.outcome"));
            Assert.Equal("none", span.GetTagItem("orum.auth.error_code"));
            Assert.Equal(1, span.GetTagItem("orum.auth.attempts"));
            Assert.Equal(200, span.GetTagItem("http.response.status_code"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        }
    }

    [Fact]
    public async Task BackgroundRefreshes_AreCountedByOutcome()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var services = new ObservedServices("client-1", "made-up-secret", timeProvider: time);
        var responses = new Queue<Func<HttpResponseMessage>>(
        [
            () => ObservedServices.Token("made-up-token-1"),
            () => ObservedServices.Token("made-up-token-2"),
            () => ObservedServices.Error(HttpStatusCode.BadRequest, "missing_client_id", "client_id is required"),
        ]);
        services.TokenEndpoint.When(HttpMethod.Post, "*/oauth/token").Respond(_ => responses.Dequeue()());
        using var refreshes = Collector<long>(services, "orum.auth.cache.background_refreshes");

        await services.Tokens.GetTokenAsync();
        time.Advance(TimeSpan.FromMinutes(55));
        await services.Tokens.GetTokenAsync(); // starts a refresh that succeeds

        // The counter is bumped just before the cache installs the new token; BackgroundRefreshSucceeded is logged after.
        // Advancing the clock between the two would find the old token expired and join the finished refresh instead.
        await WaitForLogAsync(services, 5);
        time.Advance(TimeSpan.FromMinutes(55));
        await services.Tokens.GetTokenAsync(); // starts a refresh that fails
        await refreshes.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));

        var measurements = refreshes.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        Assert.Equal("success", measurements[0].Tags["orum.auth.outcome"]);
        Assert.Equal("failure", measurements[1].Tags["orum.auth.outcome"]);
        Assert.All(measurements, m => Assert.Equal(1, m.Value));
    }

    private static async Task WaitForLogAsync(ObservedServices services, int id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var record in services.Logs.GetLogsAsync(timeout.Token))
        {
            if (record.Id.Id == id && record.Category == "Orum.Auth.TokenCache")
            {
                return;
            }
        }
    }

    private static MetricCollector<T> Collector<T>(ObservedServices services, string instrument)
        where T : struct =>
        new(services.Provider.GetRequiredService<IMeterFactory>(), "Orum.Auth", instrument);
}
