using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orum.Auth.DistributedCache.Tests.TestSupport;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Tests.Redis;

/// <summary>The README's five-line Redis set-up, run as written: two hosts share one token and one key ring.</summary>
public sealed class ReadmeSetupTests
{
    [RedisFact]
    public async Task ReadmeSetup_TwoHosts_ShareOneTokenThroughRedis()
    {
        await using var redisServer = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint();

        using var first = await StartHostAsync(redisServer, endpoint);
        var token = await first.Services.GetTokenAsync();
        using var second = await StartHostAsync(redisServer, endpoint);

        Assert.Equal(token.Value, (await second.Services.GetTokenAsync()).Value);
        Assert.Equal(1, endpoint.Requests);
        await first.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await second.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<IHost> StartHostAsync(RedisServer redisServer, TokenEndpoint endpoint)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redisServer.Configuration,
            ["Orum:ClientId"] = Replica.ClientId,
            ["Orum:ClientSecret"] = "made-up-secret-1",
            ["Orum:ApiBaseAddress"] = "http://127.0.0.1:9/",
        });

        // README: "Sharing one token across replicas (Redis)"
        var redis = builder.Configuration.GetConnectionString("Redis")!;
        builder.Services.AddStackExchangeRedisCache(o => o.Configuration = redis);
        builder.Services.AddDataProtection().PersistKeysToStackExchangeRedis(ConnectionMultiplexer.Connect(redis), "orum-auth:data-protection-keys");
        builder.Services.AddOrumAuth(builder.Configuration.GetSection("Orum"))
            .AddDistributedTokenCache(o => o.RedisConfiguration = redis);

        // The test's own fake token endpoint (AddOrumAuth again returns the same credential's builder).
        builder.Services.AddOrumAuth(builder.Configuration.GetSection("Orum")).TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => endpoint);
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return host;
    }
}
