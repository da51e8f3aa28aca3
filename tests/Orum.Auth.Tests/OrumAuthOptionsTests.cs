using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

/// <summary>Defaults, <see cref="OrumAuthOptions.ToString"/>, and the checks <see cref="OrumAuthClient"/>'s constructor makes before any request.</summary>
public class OrumAuthOptionsTests
{
    [Fact]
    public void NewOptions_HaveTheDocumentedDefaults()
    {
        var options = new OrumAuthOptions();

        Assert.Null(options.ClientId);
        Assert.Null(options.ClientSecret);
        Assert.Equal(OrumEnvironment.Sandbox, options.Environment);
        Assert.Null(options.ApiBaseAddress);
        Assert.Null(options.VaultBaseAddress);
        Assert.Equal(OrumTokenRequestFormat.Json, options.TokenRequestFormat);
        Assert.Equal(TimeSpan.FromMinutes(5), options.RefreshBeforeExpiry);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ExpiryMargin);
        Assert.Equal(TimeSpan.FromSeconds(30), options.TokenRequestTimeout);
        Assert.Equal("v2022-09-21", options.ApiVersion);
        Assert.Equal(OrumAuthOptions.DefaultApiVersion, options.ApiVersion);
        Assert.True(options.RetryOnUnauthorized);
        Assert.Empty(options.AdditionalAllowedHosts);
    }

    [Fact]
    public void ToString_WithSecret_SaysItIsSetWithoutShowingIt()
    {
        var options = TestCredentials.Options(o => o.ClientSecret = "s3cr3t-ToString-check");

        var text = options.ToString();

        Assert.DoesNotContain("s3cr3t-ToString-check", text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = (set)", text, StringComparison.Ordinal);
        Assert.Contains(TestCredentials.ClientId, text, StringComparison.Ordinal);
        Assert.Contains("Sandbox", text, StringComparison.Ordinal);
        Assert.Contains("https://api-sandbox.orum.io/", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_WithoutCredentials_SaysTheyAreNotSet()
    {
        var text = new OrumAuthOptions().ToString();

        Assert.Contains("ClientId = (not set)", text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = (not set)", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://jane:made-up-secret@api.example.com/", UriKind.Absolute, "https://api.example.com/")]
    [InlineData("https://made-up-secret@api.example.com/x/", UriKind.Absolute, "https://api.example.com/x/")]
    [InlineData("http://jane:made-up-secret@127.0.0.1:8080/", UriKind.Absolute, "http://127.0.0.1:8080/")]
    [InlineData("//jane:made-up-secret@api.example.com/", UriKind.Relative, "api.example.com/")]
    public void ToString_ApiBaseAddressWithUserInfo_NeverShowsIt(string address, UriKind kind, string shown)
    {
        // Never validated: ToString must be safe to log whatever the options hold.
        var options = new OrumAuthOptions { ApiBaseAddress = new Uri(address, kind) };

        var text = options.ToString();

        Assert.DoesNotContain("made-up-secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("jane", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"ApiBaseAddress = {shown},", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_MissingClientId_ThrowsNamingTheSetting(string? clientId)
    {
        var options = TestCredentials.Options(o => o.ClientId = clientId);

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.ClientId is required", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ClientSecret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Constructor_MissingClientSecret_ThrowsNamingTheSetting(string? clientSecret)
    {
        var options = TestCredentials.Options(o => o.ClientSecret = clientSecret);

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.ClientSecret is required", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ClientId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NothingSet_NamesEveryMissingSetting()
    {
        var ex = AssertRefusedBeforeAnyRequest(new OrumAuthOptions());

        Assert.StartsWith("OrumAuthOptions.ClientId is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains(" OrumAuthOptions.ClientSecret is required", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Message.Split("OrumAuthOptions.").Length - 1);
    }

    [Fact]
    public void Constructor_RelativeApiBaseAddress_ThrowsNamingTheSetting()
    {
        var options = TestCredentials.Options(o => o.ApiBaseAddress = new Uri("orum/api", UriKind.Relative));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.ApiBaseAddress must be an absolute address", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://api.orum.io")]
    [InlineData("http://api-sandbox.orum.io/")]
    [InlineData("http://10.0.0.8:8080")]
    [InlineData("http://localhost.example.com")]
    [InlineData("http://127.0.0.1.nip.io")]
    [InlineData("ftp://api.orum.io")]
    [InlineData("ws://127.0.0.1")]
    public void Constructor_NonHttpsApiBaseAddress_ThrowsNamingTheSetting(string address)
    {
        var options = TestCredentials.Options(o => o.ApiBaseAddress = new Uri(address));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.ApiBaseAddress must use HTTPS", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://vault.api-sandbox.orum.io", UriKind.Absolute)]
    [InlineData("vault", UriKind.Relative)]
    public void Constructor_BadVaultBaseAddress_ThrowsNamingTheSetting(string address, UriKind kind)
    {
        var options = TestCredentials.Options(o => o.VaultBaseAddress = new Uri(address, kind));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.VaultBaseAddress must", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ApiBaseAddress", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api-sandbox.orum.io?debug=1")]
    [InlineData("https://api-sandbox.orum.io/#frag")]
    public void Constructor_ApiBaseAddressWithQueryOrFragment_ThrowsNamingTheSetting(string address)
    {
        var options = TestCredentials.Options(o => o.ApiBaseAddress = new Uri(address));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.ApiBaseAddress must not have a query or fragment", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ApiBaseAddress", "https://jane:made-up-secret@api.orum.io/")]
    [InlineData("ApiBaseAddress", "https://made-up-secret@api.orum.io/")]
    [InlineData("ApiBaseAddress", "http://jane:made-up-secret@localhost:5000/")]
    [InlineData("VaultBaseAddress", "https://jane:made-up-secret@vault.api-sandbox.orum.io/")]
    public void Constructor_AddressWithUserInfo_ThrowsNamingTheSettingWithoutEchoingIt(string setting, string address)
    {
        var options = TestCredentials.Options(o =>
        {
            if (setting == "ApiBaseAddress")
            {
                o.ApiBaseAddress = new Uri(address);
            }
            else
            {
                o.VaultBaseAddress = new Uri(address);
            }
        });

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains($"OrumAuthOptions.{setting} must not contain a user name or password", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("made-up-secret", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("jane", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(601)]
    public void Constructor_TokenRequestTimeoutOutOfRange_ThrowsNamingTheSetting(int seconds)
    {
        var options = TestCredentials.Options(o => o.TokenRequestTimeout = TimeSpan.FromSeconds(seconds));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.TokenRequestTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UndefinedEnvironment_ThrowsNamingTheSetting()
    {
        var options = TestCredentials.Options(o => o.Environment = (OrumEnvironment)7);

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.Contains("OrumAuthOptions.Environment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NegativeExpiryMargin_ThrowsNamingTheSetting()
    {
        var options = TestCredentials.Options(o => o.ExpiryMargin = TimeSpan.FromMinutes(-20));

        var ex = AssertRefusedBeforeAnyRequest(options);

        Assert.StartsWith("OrumAuthOptions.ExpiryMargin must be between 00:00:00 and 1.00:00:00.", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The constructor throws an <see cref="ArgumentException"/> for its options argument, so no client exists that could
    /// send; the mock proves nothing reached the endpoint.
    /// </summary>
    private static ArgumentException AssertRefusedBeforeAnyRequest(OrumAuthOptions options)
    {
        using var endpoint = new TokenEndpoint();
        var ex = Assert.Throws<ArgumentException>(() => new OrumAuthClient(endpoint.CreateHttpClient(), options, endpoint.Time));
        Assert.Equal("options", ex.ParamName);
        Assert.Empty(endpoint.Requests);
        return ex;
    }
}
