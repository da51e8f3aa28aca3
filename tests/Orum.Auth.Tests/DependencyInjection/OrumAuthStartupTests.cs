using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.DependencyInjection;

/// <summary>Options checked when a host starts, binding from configuration, and the quick start as a new user writes it.</summary>
public class OrumAuthStartupTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string?, string> BadSettings => new()
    {
        { "ClientId", null, "Orum:ClientId is required" },
        { "ClientId", " ", "Orum:ClientId is required" },
        { "ClientSecret", null, "Orum:ClientSecret is required" },
        { "ApiBaseAddress", "http://api.example.com", "Orum:ApiBaseAddress must use HTTPS" },
        { "ApiBaseAddress", "api-sandbox.orum.io", "Orum:ApiBaseAddress must be an absolute address" },
        { "VaultBaseAddress", "http://vault.example.com", "Orum:VaultBaseAddress must use HTTPS" },
        { "ApiBaseAddress", "https://jane:made-up-secret@api.example.com", "Orum:ApiBaseAddress must not contain a user name or password" },
        { "VaultBaseAddress", "https://made-up-secret@vault.example.com", "Orum:VaultBaseAddress must not contain a user name or password" },
        { "Environment", "5", "Orum:Environment must be Sandbox or Production" },
        { "TokenRequestTimeout", "00:00:00", "Orum:TokenRequestTimeout must be more than" },
        { "AdditionalAllowedHosts:0", "https://gateway.example.com", "Orum:AdditionalAllowedHosts:0 must be a host name" },
        { "AdditionalAllowedHosts:0", "gateway.example.com:99999", "Orum:AdditionalAllowedHosts:0 must be a host name" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task StartAsync_BadSetting_FailsNamingTheSetting(string setting, string? value, string expected)
    {
        var settings = ValidSettings();
        settings[$"Orum:{setting}"] = value;
        using var host = BuildHost(settings, (services, configuration) => services.AddOrumAuth(configuration.GetSection("Orum")));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Limit));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("made-up-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EnvironmentThatIsNoEnvironment_FailsNamingTheSetting()
    {
        var settings = ValidSettings();
        settings["Orum:Environment"] = "Staging";
        using var host = BuildHost(settings, (services, configuration) => services.AddOrumAuth(configuration.GetSection("Orum")));

        // The configuration binder refuses the value before validation runs; its message names the setting too.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().WaitAsync(Limit));

        Assert.Contains("Orum:Environment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MissingSecretOfNamedCredential_NamesItsSection()
    {
        var settings = new Dictionary<string, string?> { ["Orum:Payouts:ClientId"] = "made-up-id" };
        using var host = BuildHost(settings, (services, configuration) => services.AddOrumAuth("payouts", configuration.GetSection("Orum:Payouts")));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Limit));

        Assert.Contains("Orum:Payouts:ClientSecret is required", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ClientId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MissingSecretBoundFromTheConfigurationRoot_NamesTheTopLevelKey()
    {
        var settings = new Dictionary<string, string?> { ["ClientId"] = "made-up-id", ["ApiBaseAddress"] = "http://api.example.com" };
        using var host = BuildHost(settings, (services, configuration) => services.AddOrumAuth(configuration));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Limit));

        Assert.Contains("ClientSecret is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ApiBaseAddress must use HTTPS", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Orum:", ex.Message, StringComparison.Ordinal); // there is no Orum section to look for
        Assert.DoesNotContain(":ClientSecret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "OrumAuthOptions.ClientId is required")]
    [InlineData("payouts", "OrumAuthOptions[payouts].ClientId is required")]
    public async Task StartAsync_MissingIdSetInCode_NamesTheProperty(string? name, string expected)
    {
        using var host = BuildHost([], (services, _) =>
        {
            if (name is null)
            {
                services.AddOrumAuth(o => o.ClientSecret = "made-up-secret");
            }
            else
            {
                services.AddOrumAuth(name, o => o.ClientSecret = "made-up-secret");
            }
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Limit));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HostBuilderWithValidSettings_StartsWithoutRequestingAToken()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(ValidSettings()))
            .ConfigureServices((context, services) =>
                services.AddOrumAuth(context.Configuration.GetSection("Orum"))
                    .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler))
            .UseDefaultServiceProvider(o => (o.ValidateOnBuild, o.ValidateScopes) = (true, true))
            .Build();

        await host.StartAsync().WaitAsync(Limit);
        await host.StopAsync().WaitAsync(Limit);

        Assert.Equal(0, token.Count); // an idle app makes no requests
    }

    [Fact]
    public async Task AddOrumAuth_ProductionFromConfiguration_UsesProductionHosts()
    {
        var settings = ValidSettings();
        settings["Orum:Environment"] = "Production";
        settings["Orum:AdditionalAllowedHosts:0"] = "proxy.example.com";
        var token = RecordingEndpoint.TokenEndpoint("https://api.orum.io/oauth/token");
        var api = RecordingEndpoint.Api();
        using var host = BuildHost(settings, (services, configuration) =>
        {
            services.AddOrumAuth(configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
            services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri("https://api.orum.io"))
                .AddOrumBearerTokenHandler()
                .ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        });
        await host.StartAsync().WaitAsync(Limit);
        var client = host.Services.GetRequiredService<DeliverClient>();

        using var production = await client.Http.GetAsync(new Uri("/deliver/balance", UriKind.Relative)).WaitAsync(Limit);
        using var proxy = await client.Http.GetAsync(new Uri("https://proxy.example.com/deliver/balance")).WaitAsync(Limit);
        await Assert.ThrowsAsync<OrumAuthException>(() => client.Http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/balance")).WaitAsync(Limit));

        Assert.Equal(OrumEnvironment.Production, host.Services.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().CurrentValue.Environment);
        Assert.Equal(1, token.Count); // the token came from https://api.orum.io/oauth/token
        Assert.Equal(["api.orum.io", "proxy.example.com"], api.Requests.Select(r => r.Uri!.Host));
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
        await host.StopAsync().WaitAsync(Limit);
    }

    [Fact]
    public async Task QuickStart_ThreeLinesAndGetFromJsonAsync_JustWork()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api((request, _, _) => Task.FromResult(RecordingEndpoint.Json(
            HttpStatusCode.OK,
            """{"balance":{"pending":0,"available":125000,"currency":"USD","updated_at":"2025-03-01T12:00:00Z"},"total_balance":{"pending":0,"available":125000,"currency":"USD"}}""")));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(ValidSettings());

        // The user's code:
        var orum = builder.Services.AddOrumAuth(builder.Configuration.GetSection("Orum"));
        var deliver = builder.Services.AddHttpClient<DeliverClient>(c => c.BaseAddress = new Uri("https://api-sandbox.orum.io")).AddOrumBearerTokenHandler();

        // The test's fakes behind it:
        orum.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => token.Handler);
        deliver.ConfigurePrimaryHttpMessageHandler(() => api.Handler);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(OrumTestServices.Strict));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Limit);

        var balance = await host.Services.GetRequiredService<DeliverClient>().GetBalanceAsync().WaitAsync(Limit);

        Assert.Equal(125000, balance!.Balance.Available);
        var sent = Assert.Single(api.Requests);
        Assert.Equal("Bearer token-1", sent.Authorization);
        Assert.Equal(OrumAuthOptions.DefaultApiVersion, sent.OrumVersion);
        var tokenRequest = Assert.Single(token.Requests);
        Assert.Contains("\"client_id\":\"made-up-id\"", tokenRequest.Body, StringComparison.Ordinal);
        Assert.Contains("\"client_secret\":\"made-up-secret\"", tokenRequest.Body, StringComparison.Ordinal);
        await host.StopAsync().WaitAsync(Limit);
    }

    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Orum:ClientId"] = "made-up-id",
        ["Orum:ClientSecret"] = "made-up-secret",
    };

    private static IHost BuildHost(Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        configure(builder.Services, builder.Configuration);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(OrumTestServices.Strict));
        return builder.Build();
    }
}
