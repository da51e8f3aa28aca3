using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

/// <summary>
/// <c>new TokenCache(client, options)</c> applies the rules <c>AddOrumAuth</c> checks at start-up, except the credential
/// it never uses: a bad setting fails at once, naming it, instead of changing how long tokens are handed out.
/// </summary>
public class TokenCacheConstructorTests
{
    private static readonly Dictionary<string, Action<OrumAuthOptions>> Breakers = new(StringComparer.Ordinal)
    {
        ["negative-expiry-margin"] = o => o.ExpiryMargin = TimeSpan.FromMinutes(-20),
        ["huge-expiry-margin"] = o => o.ExpiryMargin = TimeSpan.FromDays(2),
        ["negative-refresh-before-expiry"] = o => o.RefreshBeforeExpiry = TimeSpan.FromSeconds(-1),
        ["zero-token-request-timeout"] = o => o.TokenRequestTimeout = TimeSpan.Zero,
        ["infinite-token-request-timeout"] = o => o.TokenRequestTimeout = Timeout.InfiniteTimeSpan,
        ["undefined-environment"] = o => o.Environment = (OrumEnvironment)7,
        ["plain-http-api-address"] = o => o.ApiBaseAddress = new Uri("http://api.orum.io/"),
        ["relative-vault-address"] = o => o.VaultBaseAddress = new Uri("vault", UriKind.Relative),
        ["api-version-with-line-break"] = o => o.ApiVersion = "v2022-09-21\r\nX-Forged: 1",
    };

    private readonly FakeTimeProvider _time = new(TestCredentials.Start);

    public static TheoryData<string, string> BadSettings => new()
    {
        { "negative-expiry-margin", "OrumAuthOptions.ExpiryMargin must be between 00:00:00 and 1.00:00:00." },
        { "huge-expiry-margin", "OrumAuthOptions.ExpiryMargin must be between 00:00:00 and 1.00:00:00." },
        { "negative-refresh-before-expiry", "OrumAuthOptions.RefreshBeforeExpiry must be between" },
        { "zero-token-request-timeout", "OrumAuthOptions.TokenRequestTimeout must be more than 00:00:00" },
        { "infinite-token-request-timeout", "OrumAuthOptions.TokenRequestTimeout must be more than 00:00:00" },
        { "undefined-environment", "OrumAuthOptions.Environment must be Sandbox or Production." },
        { "plain-http-api-address", "OrumAuthOptions.ApiBaseAddress must use HTTPS" },
        { "relative-vault-address", "OrumAuthOptions.VaultBaseAddress must be an absolute address" },
        { "api-version-with-line-break", "OrumAuthOptions.ApiVersion must be a plain header value" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Constructor_BadSetting_ThrowsArgumentExceptionNamingTheSetting(string breaker, string expected)
    {
        var client = new FakeTokenClient(_time);
        var options = new OrumAuthOptions();
        Breakers[breaker](options);

        var ex = Assert.Throws<ArgumentException>(() => new TokenCache(client, options, _time));

        Assert.Equal("options", ex.ParamName);
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Calls);
    }

    [Fact]
    public void Constructor_SeveralBadSettings_NamesEachOfThem()
    {
        var options = new OrumAuthOptions { ExpiryMargin = TimeSpan.FromSeconds(-1), TokenRequestTimeout = TimeSpan.Zero };

        var ex = Assert.Throws<ArgumentException>(() => new TokenCache(new FakeTokenClient(_time), options, _time));

        Assert.Contains("OrumAuthOptions.ExpiryMargin must be", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OrumAuthOptions.TokenRequestTimeout must be", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_OptionsWithoutCredential_AreAcceptedAndUsed()
    {
        // A fake token client needs no client id or secret: the cache must not ask for them.
        var client = new FakeTokenClient(_time);
        using var cache = new TokenCache(client, new OrumAuthOptions(), _time);

        var token = await cache.GetTokenAsync();

        Assert.Equal(1, client.Calls);
        Assert.Equal("token-1", token.Value);
    }

    [Fact]
    public void Constructor_NullOptions_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("options", () => new TokenCache(new FakeTokenClient(_time), null!, _time));
    }
}
