using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>
/// App-wide HttpClient defaults (<c>ConfigureHttpClientDefaults</c>, which every .NET Aspire template uses to put a
/// standard resilience handler on every client) never reach the token client: its retries, timeouts and handlers are
/// Orum's alone, whether the defaults are registered before or after <c>AddOrumAuth</c>.
/// </summary>
public sealed class TokenClientIsolationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelays = TimeSpan.FromSeconds(10);

    public static TheoryData<bool> DefaultsFirst => [true, false];

    [Theory]
    [MemberData(nameof(DefaultsFirst))]
    public async Task GetTokenAsync_AspireStyleDefaultsAnd429WithRetryAfter60_TypedAtOnceAndOneRequestThatMinute(bool defaultsFirst)
    {
        var clock = new ObservedTimeProvider();
        var token = RecordingEndpoint.TokenEndpoint();
        token.Then(() => RecordingEndpoint.Error(HttpStatusCode.TooManyRequests, ("Retry-After", "60")));
        await using var provider = Build(clock, token, defaultsFirst, http => http.AddStandardResilienceHandler());
        var tokens = provider.GetRequiredService<IOrumTokenProvider>();

        var error = await Assert.ThrowsAsync<OrumRateLimitedException>(() => tokens.GetTokenAsync().AsTask().WaitAsync(Limit));
        clock.Advance(TimeSpan.FromSeconds(59));
        var stillLimited = await Assert.ThrowsAsync<OrumRateLimitedException>(() => tokens.GetTokenAsync().AsTask().WaitAsync(Limit));

        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
        Assert.Same(error, stillLimited); // the cool-down honours Orum's minute
        Assert.Equal(1, token.Count);
    }

    [Theory]
    [MemberData(nameof(DefaultsFirst))]
    public async Task RequestTokenAsync_AspireStyleDefaultsAndAnOutage_ThreeAttemptsAsWithoutThem(bool defaultsFirst)
    {
        var clock = new ObservedTimeProvider();
        var token = RecordingEndpoint.TokenEndpoint();
        for (var i = 0; i < 9; i++)
        {
            token.Then(() => RecordingEndpoint.Error(HttpStatusCode.ServiceUnavailable));
        }

        await using var provider = Build(clock, token, defaultsFirst, http => http.AddStandardResilienceHandler());
        var call = provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync();
        await clock.DriveAsync(call, RetryDelays);

        await Assert.ThrowsAsync<OrumServerException>(() => call.WaitAsync(Limit));
        Assert.Equal(3, token.Count);
    }

    [Theory]
    [MemberData(nameof(DefaultsFirst))]
    public async Task CreateClient_BearerHandlerAddedThroughDefaults_SkipsTheTokenClientAndCarriesTheToken(bool defaultsFirst)
    {
        var clock = new ObservedTimeProvider();
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        if (defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(http => http.AddOrumBearerTokenHandler());
        }

        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        if (!defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(http => http.AddOrumBearerTokenHandler());
        }

        services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri(OrumTestServices.SandboxApi))
            .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        await using var provider = services.BuildStrict();

        using var response = await provider.GetRequiredService<DeliverClient>().Http.GetAsync(new Uri("/deliver/balance", UriKind.Relative)).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer token-1", Assert.Single(api.Requests).Authorization);
        Assert.Null(Assert.Single(token.Requests).Authorization); // no bearer handler on the token request itself
    }

    private static ServiceProvider Build(ObservedTimeProvider clock, RecordingEndpoint token, bool defaultsFirst, Action<IHttpClientBuilder> defaults)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        if (defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(defaults);
        }

        services.AddOrumAuth(OrumTestServices.Credentials).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        if (!defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(defaults);
        }

        return services.BuildStrict();
    }
}
