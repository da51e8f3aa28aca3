using Microsoft.AspNetCore.DataProtection;
using Orum.Auth.DistributedCache.Tests.TestSupport;

namespace Orum.Auth.DistributedCache.Tests.Redis;

public sealed class RotationTests
{
    [RedisFact]
    public async Task GetTokenAsync_SecretRotated_NewKeyNewRequestAndOldTokenNotServed()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = new TokenEndpoint();
        var protection = new EphemeralDataProtectionProvider();
        var store = RedisReplicas.Store(redis, protection);
        void Lock(OrumDistributedTokenCacheOptions o) => o.RedisConfiguration = redis.Configuration;

        var rotating = Replica.Credential("made-up-secret-1");
        await using var a = Replica.Create(endpoint, store, Lock, rotating);
        await using var b = Replica.Create(endpoint, store, Lock, Replica.Credential("made-up-secret-1"));
        var old = await a.GetTokenAsync();
        Assert.Equal(old.Value, (await b.GetTokenAsync()).Value);
        Assert.Equal(1, endpoint.Requests);

        // The new pair is rolled out: the shared entry of the old pair is still in Redis, and must not be read.
        rotating["ClientSecret"] = "made-up-secret-2";
        rotating.Reload();
        var rotated = await a.GetTokenAsync();

        Assert.NotEqual(old.Value, rotated.Value);
        Assert.Equal(2, endpoint.Requests);
        Assert.Equal(["made-up-secret-1", "made-up-secret-2"], endpoint.SecretsSent);

        // Replicas on the new pair share the new token; one still on the old pair gets the old token, never the reverse.
        await using var c = Replica.Create(endpoint, store, Lock, Replica.Credential("made-up-secret-2"));
        await using var d = Replica.Create(endpoint, store, Lock, Replica.Credential("made-up-secret-1"));
        Assert.Equal(rotated.Value, (await c.GetTokenAsync()).Value);
        Assert.Equal(old.Value, (await d.GetTokenAsync()).Value);
        Assert.Equal(2, endpoint.Requests);
    }
}
