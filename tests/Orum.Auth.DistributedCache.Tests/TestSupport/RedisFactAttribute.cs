namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// A test that needs a real redis-server. Skipped, with a message that says how to enable it, when the binary is not on
/// PATH, unless ORUM_REQUIRE_REDIS=1 (set by .ci/run): then it runs and fails with a clear message instead.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public const string SkipMessage = "redis-server not found: install it (apt-get install redis-server) or set ORUM_REQUIRE_REDIS=1 to make this a failure";

    public RedisFactAttribute()
    {
        if (RedisServer.Executable is null && !RedisServer.Required)
        {
            Skip = SkipMessage;
        }
    }
}

/// <summary>The <see cref="RedisFactAttribute"/> of theories.</summary>
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    public RedisTheoryAttribute()
    {
        if (RedisServer.Executable is null && !RedisServer.Required)
        {
            Skip = RedisFactAttribute.SkipMessage;
        }
    }
}
