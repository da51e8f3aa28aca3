using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
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
        Assert.Equal("other", span.GetTagItem("orum.auth.error_code"));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, span.Status);
        Assert.Equal(3, services.TokenEndpoint.GetMatchCount(endpoint));
    }

    private static MetricCollector<T> Collector<T>(ObservedServices services, string instrument)
        where T : struct =>
        new(services.Provider.GetRequiredService<IMeterFactory>(), "Orum.Auth", instrument);
}
