using System.Net;
using System.Text.Json;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests;

/// <summary>The success path of <see cref="OrumAuthClient"/>: what it sends, where, and the token it returns.</summary>
public class OrumAuthClientTests
{
    [Fact]
    public async Task RequestTokenAsync_AsANewUserWouldCallIt_ReturnsTheIssuedToken()
    {
        using var mock = new MockHttpMessageHandler();
        var expected = mock.Expect(HttpMethod.Post, TestCredentials.SandboxTokenUrl)
            .Respond(_ => Responses.Token("tok-new-user", expiresIn: 3600));
        var client = new OrumAuthClient(mock.ToHttpClient(), new OrumAuthOptions { ClientId = "my-id", ClientSecret = "my-secret" });

        var before = TimeProvider.System.GetUtcNow();
        var token = await client.RequestTokenAsync().WaitAsync(TestCredentials.HangGuard);
        var after = TimeProvider.System.GetUtcNow();

        mock.VerifyNoOutstandingExpectation();
        Assert.Equal(1, mock.GetMatchCount(expected));
        Assert.Equal("tok-new-user", token.Value);
        Assert.Equal("Bearer", token.TokenType);
        Assert.Equal(TimeSpan.FromHours(1), token.ExpiresIn);
        Assert.InRange(token.IssuedAt, before, after);
        Assert.Equal(token.IssuedAt + TimeSpan.FromHours(1), token.ExpiresAt);
    }

    [Fact]
    public async Task RequestTokenAsync_JsonFormat_PostsClientIdAndSecretAsJson()
    {
        using var endpoint = new TokenEndpoint();

        await endpoint.RequestTokenAsync();

        var request = Assert.Single(endpoint.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri(TestCredentials.SandboxTokenUrl), request.Uri);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(
            new Dictionary<string, string> { ["client_id"] = TestCredentials.ClientId, ["client_secret"] = TestCredentials.ClientSecret },
            ParseJsonObject(request.Body));
    }

    [Fact]
    public async Task RequestTokenAsync_FormFormat_PostsClientIdAndSecretUrlEncoded()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Options.TokenRequestFormat = OrumTokenRequestFormat.Form;

        await endpoint.RequestTokenAsync();

        var request = Assert.Single(endpoint.Requests);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal(
            new Dictionary<string, string> { ["client_id"] = TestCredentials.ClientId, ["client_secret"] = TestCredentials.ClientSecret },
            FormBody.Parse(request.Body));
    }

    public static TheoryData<OrumTokenRequestFormat, string, string> AwkwardCredentials => new()
    {
        { OrumTokenRequestFormat.Json, "id&with=form+chars", "se&cr=et+plus%20percent" },
        { OrumTokenRequestFormat.Form, "id&with=form+chars", "se&cr=et+plus%20percent" },
        { OrumTokenRequestFormat.Json, "id \"quoted\" 'single' \\ back", "sec\"ret\\\"}{,:" },
        { OrumTokenRequestFormat.Form, "id \"quoted\" 'single' \\ back", "sec\"ret\\\"}{,:" },
        { OrumTokenRequestFormat.Json, "café-日本-Ωmega", "sëcret-😀-ß-\u00A0nbsp" },
        { OrumTokenRequestFormat.Form, "café-日本-Ωmega", "sëcret-😀-ß-\u00A0nbsp" },
        { OrumTokenRequestFormat.Json, "tab\tnew\nline", "  leading and trailing  " },
        { OrumTokenRequestFormat.Form, "tab\tnew\nline", "  leading and trailing  " },
        { OrumTokenRequestFormat.Json, "<script>&amp;", "?a=1&b=2#frag/..;" },
        { OrumTokenRequestFormat.Form, "<script>&amp;", "?a=1&b=2#frag/..;" },
    };

    [Theory]
    [MemberData(nameof(AwkwardCredentials))]
    public async Task RequestTokenAsync_AnyCharactersInCredentials_RoundTripExactly(OrumTokenRequestFormat format, string clientId, string clientSecret)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Options.TokenRequestFormat = format;
        endpoint.Options.ClientId = clientId;
        endpoint.Options.ClientSecret = clientSecret;

        await endpoint.RequestTokenAsync();

        var body = endpoint.LastRequest.Body;
        var fields = format == OrumTokenRequestFormat.Json ? ParseJsonObject(body) : FormBody.Parse(body);
        Assert.Equal(2, fields.Count);
        Assert.Equal(clientId, fields["client_id"]);
        Assert.Equal(clientSecret, fields["client_secret"]);
    }

    [Theory]
    [InlineData(OrumTokenRequestFormat.Json)]
    [InlineData(OrumTokenRequestFormat.Form)]
    public async Task RequestTokenAsync_AnyFormat_AcceptsJsonOnly(OrumTokenRequestFormat format)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Options.TokenRequestFormat = format;

        await endpoint.RequestTokenAsync();

        Assert.Equal(["application/json"], endpoint.LastRequest.Header("Accept"));
    }

    [Fact]
    public async Task RequestTokenAsync_Always_SendsUserAgentNamingPackageAndVersion()
    {
        using var endpoint = new TokenEndpoint();

        await endpoint.RequestTokenAsync();

        var userAgent = Assert.Single(endpoint.LastRequest.Header("User-Agent"));
        var packageVersion = typeof(OrumAuthClient).Assembly.GetName().Version!.ToString(3);
        Assert.StartsWith($"Orum.Auth/{packageVersion}", userAgent, StringComparison.Ordinal);
        Assert.DoesNotContain("+", userAgent, StringComparison.Ordinal); // no source-control hash in the product token
    }

    [Fact]
    public async Task RequestTokenAsync_TokenEndpoint_GetsNoAuthorizationOrOrumVersionHeader()
    {
        using var endpoint = new TokenEndpoint();

        await endpoint.RequestTokenAsync();

        Assert.Empty(endpoint.LastRequest.Header("Authorization"));
        Assert.Empty(endpoint.LastRequest.Header("Orum-Version"));
    }

    [Fact]
    public async Task RequestTokenAsync_EveryCall_SendsANewRequest()
    {
        using var endpoint = new TokenEndpoint();
        var issued = 0;
        endpoint.Respond(() => Responses.Token($"tok-{++issued}"));
        var client = endpoint.CreateClient();

        var first = await client.RequestTokenAsync().WaitAsync(TestCredentials.HangGuard);
        var second = await client.RequestTokenAsync().WaitAsync(TestCredentials.HangGuard);

        Assert.Equal(2, endpoint.Requests.Count);
        Assert.Equal("tok-1", first.Value);
        Assert.Equal("tok-2", second.Value);
    }

    [Fact]
    public async Task RequestTokenAsync_ResponseArrivesLater_IssuedAtIsWhenTheRequestWasSent()
    {
        using var endpoint = new TokenEndpoint();
        var sentAt = endpoint.Time.GetUtcNow();
        endpoint.Respond(e =>
        {
            // Orum takes 7 s to answer: the lifetime still counts from the send.
            e.Time.Advance(TimeSpan.FromSeconds(7));
            return Responses.Token(expiresIn: 3600);
        });

        var token = await endpoint.RequestTokenAsync();

        Assert.Equal(sentAt + TimeSpan.FromSeconds(7), endpoint.Time.GetUtcNow());
        Assert.Equal(sentAt, token.IssuedAt);
        Assert.Equal(sentAt + TimeSpan.FromSeconds(3600), token.ExpiresAt);
    }

    [Theory]
    [InlineData(123, 123_000)]
    [InlineData(3600, 3_600_000)]
    [InlineData(59.5, 59_500)]
    public async Task RequestTokenAsync_ExpiresIn_IsTheReturnedValue(double expiresIn, int expectedMilliseconds)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Token(expiresIn: expiresIn));

        var token = await endpoint.RequestTokenAsync();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), token.ExpiresIn);
        Assert.Equal(TestCredentials.Start + token.ExpiresIn, token.ExpiresAt);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task RequestTokenAsync_TokenTypeInAnotherCase_IsAccepted(string tokenType)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Token(tokenType: tokenType));

        var token = await endpoint.RequestTokenAsync();

        Assert.Equal(TestCredentials.TokenValue, token.Value);
    }

    [Fact]
    public async Task RequestTokenAsync_UnknownFields_AreIgnored()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Json(HttpStatusCode.OK, """{"scope":["a"],"access_token":"tok-extra","extra":{"x":1},"token_type":"Bearer","expires_in":900,"refresh_token":null}"""));

        var token = await endpoint.RequestTokenAsync();

        Assert.Equal("tok-extra", token.Value);
        Assert.Equal(TimeSpan.FromSeconds(900), token.ExpiresIn);
    }

    [Fact]
    public async Task RequestTokenAsync_HttpClientHasAnotherBaseAddress_StillPostsToTheOrumHost()
    {
        using var endpoint = new TokenEndpoint();
        var http = endpoint.CreateHttpClient();
        http.BaseAddress = new Uri("https://example.com/not-orum/");
        var client = new OrumAuthClient(http, endpoint.Options, endpoint.Time);

        await client.RequestTokenAsync().WaitAsync(TestCredentials.HangGuard);

        Assert.Equal(new Uri(TestCredentials.SandboxTokenUrl), Assert.Single(endpoint.Requests).Uri);
    }

    [Fact]
    public async Task RequestTokenAsync_OptionsChangedAfterConstruction_SendsTheCredentialGivenAtConstruction()
    {
        using var endpoint = new TokenEndpoint();
        var client = endpoint.CreateClient();

        // A caller that later clears or edits its options object must not make the client send a request Orum would
        // answer with missing_client_id / missing_client_secret, nor send the secret elsewhere.
        endpoint.Options.ClientId = null;
        endpoint.Options.ClientSecret = string.Empty;
        endpoint.Options.ApiBaseAddress = new Uri("https://elsewhere.example.com");
        await client.RequestTokenAsync().WaitAsync(TestCredentials.HangGuard);

        var request = Assert.Single(endpoint.Requests);
        Assert.Equal(new Uri(TestCredentials.SandboxTokenUrl), request.Uri);
        var fields = ParseJsonObject(request.Body);
        Assert.Equal(TestCredentials.ClientId, fields["client_id"]);
        Assert.Equal(TestCredentials.ClientSecret, fields["client_secret"]);
    }

    [Fact]
    public async Task RequestTokenAsync_CancelledBeforeTheCall_ThrowsOperationCanceledWithoutSending()
    {
        using var endpoint = new TokenEndpoint();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endpoint.RequestTokenAsync(cancelled.Token));

        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public async Task RequestTokenAsync_CallerCancelsWhileTheBodyIsStuck_ThrowsOperationCanceledNotATimeout()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => Responses.Streamed(HttpStatusCode.OK, "application/json", new HangingStream(Responses.Utf8("{\"access_token\":"), e.SignalBlocked)));
        using var caller = new CancellationTokenSource();

        var pending = endpoint.CreateClient().RequestTokenAsync(caller.Token);
        await endpoint.Blocked.WaitAsync(TestCredentials.HangGuard);
        await caller.CancelAsync();

        // Cancelled by the caller, not timed out: no OrumInvalidResponseException, and no fake-clock time had passed.
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TestCredentials.HangGuard));
        Assert.Equal(caller.Token, cancelled.CancellationToken); // the caller's own token, not an internal one
        Assert.Equal(TestCredentials.Start, endpoint.Time.GetUtcNow());
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        using var http = new HttpClient();

        Assert.Throws<ArgumentNullException>("httpClient", () => new OrumAuthClient(null!, TestCredentials.Options()));
        Assert.Throws<ArgumentNullException>("options", () => new OrumAuthClient(http, null!));
    }

    /// <summary>Reads a JSON object of string fields the way Orum's server would, failing on anything else.</summary>
    internal static Dictionary<string, string> ParseJsonObject(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }
}
