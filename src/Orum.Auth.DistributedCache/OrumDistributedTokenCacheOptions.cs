namespace Orum.Auth.DistributedCache;

/// <summary>
/// Settings of the second-level token cache that <c>AddDistributedTokenCache</c> puts behind a credential's
/// <see cref="TokenCache"/>, so the replicas of a service share one Orum access token through
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>.
/// </summary>
/// <remarks>
/// Tokens are encrypted with ASP.NET Core Data Protection whenever an
/// <see cref="Microsoft.AspNetCore.DataProtection.IDataProtectionProvider"/> is registered; every replica must then share
/// the key ring (for example <c>PersistKeysToStackExchangeRedis</c> or <c>PersistKeysToFileSystem</c> on a shared volume).
/// </remarks>
public sealed class OrumDistributedTokenCacheOptions
{
    /// <summary>
    /// Gets or sets the prefix of the keys written to the distributed cache and to Redis. An entry's key is the prefix,
    /// <c>token:</c> and a SHA-256 fingerprint of the environment, API base address, client id and a hash of the secret,
    /// so a rotated secret never reads a token minted with the old one.
    /// </summary>
    /// <value>The default value is <c>"orum-auth:"</c>.</value>
    public string KeyPrefix { get; set; } = "orum-auth:";

    /// <summary>
    /// Gets or sets whether tokens may be stored in plain text when no Data Protection is registered. Without Data
    /// Protection and without this opt-in, the application fails at start-up. Anyone who can read the cache can then
    /// call Orum with the stored token until it expires: prefer <c>services.AddDataProtection()</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowUnencryptedStorage { get; set; }

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration (such as <c>"redis:6379,password=…"</c>) of the Redis server
    /// used for the fleet-wide lock: one replica requests the token while the others wait for it. Its connect and
    /// operation timeouts are set to <see cref="StoreTimeout"/> and it never aborts on a failed connect. When
    /// <see langword="null"/>, an <c>IConnectionMultiplexer</c> registered in the container is used if there is one;
    /// otherwise there is no lock and each replica makes at most one request per token lifetime.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? RedisConfiguration { get; set; }

    /// <summary>
    /// Gets or sets the upper bound on one read, write or lock operation. A store that does not answer in time is treated
    /// as down for that request, which then goes to Orum directly.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets how long the Redis lock lasts after it was taken or last renewed. Its holder renews it while its token
    /// request is in flight (every third of this or of <see cref="WaitForOtherReplica"/>, whichever is shorter), so a slow
    /// Orum never lets it expire; a replica that dies holding it blocks the others for at most this long.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long a waiting replica gives a lock holder that stopped renewing the lock (it died, or runs a
    /// version of this package that does not renew) before one waiter takes the lock over and requests the token itself.
    /// A holder that keeps renewing is waited for however slow Orum is, up to the waiter's own
    /// <see cref="OrumAuthOptions.TokenRequestTimeout"/>. Zero turns the lock off: every replica requests at once.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan WaitForOtherReplica { get; set; } = TimeSpan.FromSeconds(5);
}
