using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

public sealed class EncryptionAtRestTests
{
    [RedisFact]
    public async Task GetTokenAsync_WithDataProtection_RawValueInRedisIsNotTheToken()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var keyRing = Directory.CreateTempSubdirectory("orum-auth-keys-");
        try
        {
            // The README's set-up: AddDataProtection with a key ring every replica shares.
            void Store(IServiceCollection services)
            {
                services.AddStackExchangeRedisCache(o => o.Configuration = redis.Configuration);
                services.AddDataProtection().SetApplicationName("orum-auth-tests").PersistKeysToFileSystem(keyRing);
            }

            var endpoint = new TokenEndpoint();
            await using var a = Replica.Create(endpoint, Store, o => o.RedisConfiguration = redis.Configuration);
            var token = await a.GetTokenAsync();

            var raw = await RedisReplicas.RawValueAsync(connection, await RedisReplicas.SingleTokenKeyAsync(connection));
            Assert.True(raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token.Value)) < 0, "the token is stored in clear text");
            Assert.True(raw.AsSpan().IndexOf("Bearer"u8) < 0, "the entry is stored in clear text");
            Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(raw));

            // A replica that shares the key ring reads it; one with other keys cannot, and requests its own.
            await using var b = Replica.Create(endpoint, Store, o => o.RedisConfiguration = redis.Configuration);
            Assert.Equal(token.Value, (await b.GetTokenAsync()).Value);
            Assert.Equal(1, endpoint.Requests);
            await using var stranger = Replica.Create(endpoint, RedisReplicas.Store(redis, new EphemeralDataProtectionProvider()));
            Assert.Equal(endpoint.TokenValue(2), (await stranger.GetTokenAsync()).Value);
        }
        finally
        {
            keyRing.Delete(recursive: true);
        }
    }

    [RedisFact]
    public async Task GetTokenAsync_UnencryptedOptIn_StoresPlainJson()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var endpoint = new TokenEndpoint();
        var logs = new LogSink();
        await using var a = Replica.Create(endpoint, RedisReplicas.Store(redis, protection: null), o =>
        {
            o.RedisConfiguration = redis.Configuration;
            o.AllowUnencryptedStorage = true;
        }, logs: logs);

        var token = await a.GetTokenAsync();

        var raw = await RedisReplicas.RawValueAsync(connection, await RedisReplicas.SingleTokenKeyAsync(connection));
        using var json = JsonDocument.Parse(raw);
        Assert.Equal(token.Value, json.RootElement.GetProperty("value").GetString());
        Assert.Equal("Bearer", json.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.RootElement.GetProperty("expires_in").GetDouble());
        Assert.Equal(token.IssuedAt, json.RootElement.GetProperty("issued_at").GetDateTimeOffset());
        Assert.Equal(1, logs.Count(LogSink.UnencryptedStorage));
    }
}
