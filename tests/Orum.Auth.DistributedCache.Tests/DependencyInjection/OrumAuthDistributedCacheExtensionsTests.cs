using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.DependencyInjection;

public sealed class OrumAuthDistributedCacheExtensionsTests
{
    [Fact]
    public async Task StartAsync_NoDataProtectionAndNoOptIn_FailsSayingHowToFixIt()
    {
        using var host = BuildHost(s => s.AddStackExchangeRedisCache(o => o.Configuration = "127.0.0.1:1"), configure: null);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("AddDataProtection()", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowUnencryptedStorage = true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithDataProtection_Starts()
    {
        using var host = BuildHost(s =>
        {
            s.AddStackExchangeRedisCache(o => o.Configuration = "127.0.0.1:1");
            s.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        }, configure: null);

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task StartAsync_NoDataProtectionWithExplicitOptIn_Starts()
    {
        using var host = BuildHost(s => s.AddStackExchangeRedisCache(o => o.Configuration = "127.0.0.1:1"), o => o.AllowUnencryptedStorage = true);

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task StartAsync_NoDistributedCache_FailsNamingIt()
    {
        using var host = BuildHost(_ => { }, o => o.AllowUnencryptedStorage = true);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("needs an IDistributedCache", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddStackExchangeRedisCache", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StoreTimeout")]
    [InlineData("LockTimeout")]
    [InlineData("WaitForOtherReplica")]
    [InlineData("RedisConfiguration")]
    public async Task StartAsync_SettingOutOfRange_FailsNamingTheSetting(string setting)
    {
        using var host = BuildHost(s => s.AddSingleton<IDistributedCache>(new FakeStore()), o =>
        {
            o.AllowUnencryptedStorage = true;
            switch (setting)
            {
                case "StoreTimeout": o.StoreTimeout = TimeSpan.Zero; break;
                case "LockTimeout": o.LockTimeout = TimeSpan.FromHours(1); break;
                case "WaitForOtherReplica": o.WaitForOtherReplica = TimeSpan.FromSeconds(-1); break;
                default: o.RedisConfiguration = ",,,"; break;
            }
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains($"OrumDistributedTokenCacheOptions.{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_WithoutHostOrDataProtection_FailsBeforeAnyTokenRequest()
    {
        var endpoint = new TokenEndpoint();
        await using var replica = Replica.Create(endpoint, s => s.AddSingleton<IDistributedCache>(new FakeStore()));

        var error = Assert.Throws<OptionsValidationException>(() => replica.Tokens());

        Assert.Contains("AddDataProtection()", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, endpoint.Requests);
    }

    [Fact]
    public async Task AddDistributedTokenCache_NamedCredential_SharesThatCredentialsToken()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        ServiceProvider NamedReplica()
        {
            var services = new ServiceCollection();
            services.AddSingleton<IDistributedCache>(store);
            services.AddOrumAuth("payouts", Replica.Credential())
                .AddDistributedTokenCache(o => o.AllowUnencryptedStorage = true)
                .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => endpoint);
            return services.BuildServiceProvider();
        }

        await using var a = NamedReplica();
        await using var b = NamedReplica();
        var first = await a.GetRequiredKeyedService<IOrumTokenProvider>("payouts").GetTokenAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var second = await b.GetRequiredKeyedService<IOrumTokenProvider>("payouts").GetTokenAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(first.Value, second.Value);
        Assert.Equal(1, endpoint.Requests);
        Assert.Single(store.Entries);
    }

    [Fact]
    public async Task AddDistributedTokenCache_CalledTwice_DecoratesOnceWithBothConfigurations()
    {
        var endpoint = new TokenEndpoint();
        var store = new FakeStore();
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(store);
        services.AddOrumAuth(Replica.Credential())
            .AddDistributedTokenCache(o => o.AllowUnencryptedStorage = true)
            .AddDistributedTokenCache(o => o.KeyPrefix = "second:")
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => endpoint);
        await using var replica = services.BuildServiceProvider();

        await replica.GetTokenAsync();

        Assert.Equal(2, store.Reads); // the token, then the failure another replica may have shared: once, not twice each
        Assert.Equal(1, store.Writes);
        Assert.StartsWith("second:token:", Assert.Single(store.Entries.Keys), StringComparison.Ordinal);
    }

    private static IHost BuildHost(Action<IServiceCollection> addStore, Action<OrumDistributedTokenCacheOptions>? configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        addStore(builder.Services);
        builder.Services.AddOrumAuth(Replica.Credential()).AddDistributedTokenCache(configure);
        return builder.Build();
    }
}
