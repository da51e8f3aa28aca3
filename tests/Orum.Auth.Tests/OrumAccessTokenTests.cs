namespace Orum.Auth.Tests;

public class OrumAccessTokenTests
{
    private static readonly DateTimeOffset IssuedAt = new(2031, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));

    [Fact]
    public void Constructor_ValidArguments_SetsEveryPropertyAndExpiresAtIsIssuedAtPlusExpiresIn()
    {
        var token = new OrumAccessToken("tok-abc", "Bearer", TimeSpan.FromSeconds(123), IssuedAt);

        Assert.Equal("tok-abc", token.Value);
        Assert.Equal("Bearer", token.TokenType);
        Assert.Equal(TimeSpan.FromSeconds(123), token.ExpiresIn);
        Assert.Equal(IssuedAt, token.IssuedAt);
        Assert.Equal(IssuedAt.AddSeconds(123), token.ExpiresAt);
    }

    [Fact]
    public void Constructor_ZeroLifetime_ExpiresWhenIssued()
    {
        var token = new OrumAccessToken("tok-abc", "Bearer", TimeSpan.Zero, IssuedAt);

        Assert.Equal(IssuedAt, token.ExpiresAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Constructor_NoValue_Throws(string? value)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new OrumAccessToken(value!, "Bearer", TimeSpan.FromHours(1), IssuedAt));

        Assert.Equal("value", ex.ParamName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Constructor_NoTokenType_Throws(string? tokenType)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new OrumAccessToken("tok-abc", tokenType!, TimeSpan.FromHours(1), IssuedAt));

        Assert.Equal("tokenType", ex.ParamName);
    }

    [Fact]
    public void Constructor_NegativeLifetime_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new OrumAccessToken("tok-abc", "Bearer", TimeSpan.FromTicks(-1), IssuedAt));

        Assert.Equal("expiresIn", ex.ParamName);
    }

    [Fact]
    public void ToString_ShowsTypeAndTimesButNeverTheValue()
    {
        var token = new OrumAccessToken("tok-DO-NOT-LEAK-91c4", "Bearer", TimeSpan.FromHours(1), IssuedAt);

        var text = token.ToString();

        Assert.DoesNotContain("tok-DO-NOT-LEAK-91c4", text, StringComparison.Ordinal);
        Assert.DoesNotContain("91c4", text, StringComparison.Ordinal);
        Assert.Contains("Bearer", text, StringComparison.Ordinal);
        Assert.Contains("2031-01-02T03:04:05.0000000+02:00", text, StringComparison.Ordinal);
        Assert.Contains("2031-01-02T04:04:05.0000000+02:00", text, StringComparison.Ordinal);
    }
}
