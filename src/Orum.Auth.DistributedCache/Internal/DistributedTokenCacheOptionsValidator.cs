using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>
/// Fails start-up, with a message that says what to do, when tokens would be stored in plain text without an explicit
/// opt-in, when there is no <c>IDistributedCache</c>, or when a setting is out of range.
/// </summary>
internal sealed class DistributedTokenCacheOptionsValidator(string name, bool hasDataProtection, bool hasDistributedCache) : IValidateOptions<OrumDistributedTokenCacheOptions>
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? optionsName, OrumDistributedTokenCacheOptions options)
    {
        if (optionsName is not null && !string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var credential = name.Length == 0 ? "the default Orum credential" : $"Orum credential '{name}'";
        var failures = new List<string>();
        if (!hasDistributedCache)
        {
            failures.Add($"AddDistributedTokenCache for {credential} needs an IDistributedCache: register one first, such as services.AddStackExchangeRedisCache(…).");
        }

        if (!hasDataProtection && !options.AllowUnencryptedStorage)
        {
            failures.Add($"AddDistributedTokenCache for {credential} encrypts tokens at rest with ASP.NET Core Data Protection, and none is registered: call services.AddDataProtection() with a key ring every replica shares (PersistKeysToStackExchangeRedis, PersistKeysToFileSystem, …), or set AllowUnencryptedStorage = true to store tokens in plain text.");
        }

        if (options.KeyPrefix is null)
        {
            failures.Add("OrumDistributedTokenCacheOptions.KeyPrefix must not be null.");
        }

        if (options.StoreTimeout <= TimeSpan.Zero || options.StoreTimeout > MaxTimeout)
        {
            failures.Add("OrumDistributedTokenCacheOptions.StoreTimeout must be more than 00:00:00 and at most 00:10:00.");
        }

        if (options.LockTimeout <= TimeSpan.Zero || options.LockTimeout > MaxTimeout)
        {
            failures.Add("OrumDistributedTokenCacheOptions.LockTimeout must be more than 00:00:00 and at most 00:10:00.");
        }

        if (options.WaitForOtherReplica < TimeSpan.Zero || options.WaitForOtherReplica > MaxTimeout)
        {
            failures.Add("OrumDistributedTokenCacheOptions.WaitForOtherReplica must be between 00:00:00 and 00:10:00.");
        }

        if (options.RedisConfiguration is not null && !IsRedisConfiguration(options.RedisConfiguration))
        {
            failures.Add("OrumDistributedTokenCacheOptions.RedisConfiguration is not a StackExchange.Redis configuration such as \"redis:6379\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsRedisConfiguration(string configuration)
    {
        try
        {
            return ConfigurationOptions.Parse(configuration).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
