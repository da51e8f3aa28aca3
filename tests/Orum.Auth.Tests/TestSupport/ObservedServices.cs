using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A real container (AddOrumAuth + a typed Deliver client with the bearer handler) over MockHttp, with every log
/// (Trace and up, scopes included), every metric measurement and every activity recorded, whatever their source.
/// </summary>
internal sealed class ObservedServices : IDisposable
{
    public const string ApiBase = "https://api-sandbox.orum.io/";

    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly List<string> _metricTags = [];
    private readonly List<Activity> _stopped = [];

    public ObservedServices(string clientId, string clientSecret, Action<IOrumAuthBuilder>? configure = null, Microsoft.Extensions.Configuration.IConfiguration? configuration = null, TimeProvider? timeProvider = null)
    {
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (_stopped)
                {
                    _stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        services.AddMetrics();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        var builder = configuration is not null
            ? services.AddOrumAuth(configuration)
            : services.AddOrumAuth(o =>
            {
                o.ClientId = clientId;
                o.ClientSecret = clientSecret;
            });
        builder.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => TokenEndpoint);
        builder.TokenResilience.Configure(o => o.Retry.Delay = TimeSpan.FromMilliseconds(1));
        configure?.Invoke(builder);
        services.AddHttpClient("deliver", c => c.BaseAddress = new Uri(ApiBase))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => Api);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public MockHttpMessageHandler TokenEndpoint { get; } = new();

    public MockHttpMessageHandler Api { get; } = new();

    public ServiceProvider Provider { get; }

    public FakeLogCollector Logs => Provider.GetFakeLogCollector();

    public HttpClient Deliver => Provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

    public IOrumTokenProvider Tokens => Provider.GetRequiredService<IOrumTokenProvider>();

    public IReadOnlyList<string> MetricTags
    {
        get
        {
            lock (_metricTags)
            {
                return [.. _metricTags];
            }
        }
    }

    public IReadOnlyList<Activity> Activities
    {
        get
        {
            lock (_stopped)
            {
                return [.. _stopped];
            }
        }
    }

    public static HttpResponseMessage Token(string value, int expiresIn = 3600) => Json(HttpStatusCode.OK, $$"""{"access_token":"{{value}}","token_type":"Bearer","expires_in":{{expiresIn}}}""");

    public static HttpResponseMessage Error(HttpStatusCode status, string code, string message) => Json(status, $$"""{"error_code":"{{code}}","message":"{{message}}","details":null}""");

    public static HttpResponseMessage Json(HttpStatusCode status, string json) => new(status) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };

    public void Dispose()
    {
        Provider.Dispose();
        _meters.Dispose();
        _activities.Dispose();
        TokenEndpoint.Dispose();
        Api.Dispose();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_metricTags)
        {
            foreach (var tag in tags)
            {
                _metricTags.Add($"{instrument.Meter.Name}/{instrument.Name}: {tag.Key}={tag.Value}");
            }
        }
    }
}
