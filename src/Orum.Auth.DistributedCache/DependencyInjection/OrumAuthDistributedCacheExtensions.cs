using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orum.Auth;
using Orum.Auth.DistributedCache;
using Orum.Auth.DistributedCache.Internal;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Shares a credential's Orum access token across the replicas of a service through <see cref="IDistributedCache"/>.</summary>
public static class OrumAuthDistributedCacheExtensions
{
    /// <summary>
    /// Puts a second level behind the credential's <see cref="TokenCache"/>: before requesting a token it reads the one
    /// another replica shared in the registered <see cref="IDistributedCache"/>, and it shares every token it requests.
    /// With a Redis lock (<see cref="OrumDistributedTokenCacheOptions.RedisConfiguration"/> or a registered
    /// <c>IConnectionMultiplexer</c>) a fleet that starts at once makes one token request; without one, each replica
    /// makes at most one.
    /// </summary>
    /// <remarks>
    /// <para>The in-process cache hit is unchanged (no allocation, no lock, no store call): the store is consulted only when
    /// the <see cref="TokenCache"/> would request a token.</para>
    /// <para>Tokens are encrypted with ASP.NET Core Data Protection when an <see cref="IDataProtectionProvider"/> is
    /// registered (its key ring must be shared by every replica); otherwise start-up fails unless
    /// <see cref="OrumDistributedTokenCacheOptions.AllowUnencryptedStorage"/> is set.</para>
    /// <para>A store that is down, slow or holds a corrupt entry never fails a caller: the token is requested directly and
    /// one warning is logged per outage.</para>
    /// <para>A failed token request is shared for its cool-down (Orum's Retry-After, else 5 seconds): no replica requests
    /// until it ends. A token Orum rejects (401) is never handed out again and is removed from the store while the store
    /// still holds it. The lock holder renews the lock while Orum is slow; waiters wait for it up to their
    /// <see cref="OrumAuthOptions.TokenRequestTimeout"/>.</para>
    /// </remarks>
    /// <param name="builder">The credential's builder, from <c>AddOrumAuth</c>.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The same builder.</returns>
    public static IOrumAuthBuilder AddDistributedTokenCache(this IOrumAuthBuilder builder, Action<OrumDistributedTokenCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var name = builder.Name;
        var options = services.AddOptions<OrumDistributedTokenCacheOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // A second call adds configuration, never a second decorator around the first.
        var key = string.IsNullOrEmpty(name) ? null : name;
        if (services.Any(d => d.ServiceType == typeof(DistributedTokenCacheRegistration) && Equals(d.ServiceKey, name)))
        {
            return builder;
        }

        services.AddKeyedSingleton(name, new DistributedTokenCacheRegistration());
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrumDistributedTokenCacheOptions>>(sp =>
        {
            var registered = sp.GetService<IServiceProviderIsService>();
            bool Has(Type type) => registered?.IsService(type) ?? sp.GetService(type) is not null;
            return new DistributedTokenCacheOptionsValidator(name, Has(typeof(IDataProtectionProvider)), Has(typeof(IDistributedCache)));
        });

        // The TokenCache resolves the credential's IOrumTokenClient (unkeyed for the default credential, keyed by name
        // otherwise): replace that registration with the decorator around the credential's OrumAuthClient.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IOrumTokenClient) && Equals(services[i].ServiceKey, key))
            {
                services.RemoveAt(i);
            }
        }

        services.AddKeyedSingleton<IOrumTokenClient>(key, (sp, k) => Create(sp, name, sp.GetRequiredKeyedService<OrumAuthClient>(k)));
        return builder;
    }

    private static DistributedTokenClient Create(IServiceProvider sp, string name, IOrumTokenClient inner)
    {
        // Validated here too, for apps that resolve the cache without a host to run ValidateOnStart.
        var options = sp.GetRequiredService<IOptionsMonitor<OrumDistributedTokenCacheOptions>>().Get(name);
        var tokenLock = options.RedisConfiguration is { } configuration
            ? RedisTokenLock.Connect(configuration, options.StoreTimeout)
            : sp.GetService<IConnectionMultiplexer>() is { } connection ? RedisTokenLock.Over(connection) : null;
        var logger = (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger(Log.Category) ?? NullLogger.Instance;
        var timeProvider = sp.GetRequiredService<TimeProvider>();
        var format = new SharedTokenFormat(sp.GetService<IDataProtectionProvider>());
        if (!format.Encrypts)
        {
            Log.UnencryptedStorage(logger, name);
        }

        return new DistributedTokenClient(
            inner,
            new SharedTokenStore(sp.GetRequiredService<IDistributedCache>(), format, options, timeProvider, logger, name),
            tokenLock,
            sp.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>(),
            name,
            options,
            timeProvider,
            logger);
    }

    /// <summary>Marks a credential whose token client is already decorated.</summary>
    private sealed class DistributedTokenCacheRegistration;
}
