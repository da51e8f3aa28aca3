using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.Testing;

/// <summary>The emulator's <c>POST /oauth/token</c> against <c>oauth-token.openapi.yaml</c>, over a plain HttpClient.</summary>
public sealed class OrumSandboxServerTokenEndpointTests
{
    private const string ClientId = "made-up-client-id";
    private const string ClientSecret = "made-up-client-secret";

    [Fact]
    public async Task StartAsync_Defaults_ListensOnLoopbackWithRandomMadeUpCredentials()
    {
        await using var first = await OrumSandboxServer.StartAsync().Within();
        await using var second = await OrumSandboxServer.StartAsync().Within();

        Assert.Equal("127.0.0.1", first.BaseAddress.Host);
        Assert.NotEqual(0, first.BaseAddress.Port);
        Assert.NotEqual(first.BaseAddress.Port, second.BaseAddress.Port);
        Assert.NotEqual(first.ClientId, second.ClientId);
        Assert.NotEqual(first.ClientSecret, second.ClientSecret);
        Assert.Equal(TimeSpan.FromSeconds(3600), first.TokenLifetime);
        Assert.DoesNotContain(first.ClientSecret, first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_JsonBody_IssuesOpaqueBearerTokenWithDefaultLifetime()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), Json($$"""{"client_id":"{{ClientId}}","client_secret":"{{ClientSecret}}"}""")).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("access_token").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token); // 32 random bytes, base64url, no padding: opaque, not a JWT
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.RootElement.GetProperty("expires_in").GetDouble());
        Assert.Equal(1, server.TokenRequestCount);
    }

    [Fact]
    public async Task Token_FormBody_IssuesToken()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), Form(("client_id", ClientId), ("client_secret", ClientSecret))).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("access_token").GetString()));
    }

    [Fact]
    public async Task Token_EachRequest_IssuesADifferentToken()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        var first = await RequestTokenAsync(http, server);
        var second = await RequestTokenAsync(http, server);

        Assert.NotEqual(first, second);
        Assert.Equal(2, server.TokenRequestCount);
    }

    [Fact]
    public async Task Token_ConfiguredLifetime_IsSentAsExpiresIn()
    {
        await using var server = await StartAsync(new OrumSandboxOptions { ClientId = ClientId, ClientSecret = ClientSecret, TokenLifetime = TimeSpan.FromSeconds(123) });
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), Json($$"""{"client_id":"{{ClientId}}","client_secret":"{{ClientSecret}}"}""")).Within();

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(123, body.RootElement.GetProperty("expires_in").GetDouble());
    }

    [Theory]
    [InlineData("""{"client_secret":"made-up-client-secret"}""", "missing_client_id", "client_id is required")]
    [InlineData("""{"client_id":null,"client_secret":"made-up-client-secret"}""", "missing_client_id", "client_id is required")]
    [InlineData("""{"client_id":"","client_secret":"made-up-client-secret"}""", "missing_client_id", "client_id is required")]
    [InlineData("""{"client_id":42,"client_secret":"made-up-client-secret"}""", "invalid_client_id", "client_id must be a string")]
    [InlineData("""{"client_id":["made-up-client-id"],"client_secret":"made-up-client-secret"}""", "invalid_client_id", "client_id must be a string")]
    [InlineData("""{"client_id":"made-up-client-id"}""", "missing_client_secret", "client_secret is required")]
    [InlineData("""{"client_id":"made-up-client-id","client_secret":true}""", "invalid_client_secret", "client_secret must be a string")]
    [InlineData("""{}""", "missing_client_id", "client_id is required")]
    [InlineData("""not json""", "invalid_body", "request body must be a JSON object or a form")]
    [InlineData("""[1,2]""", "invalid_body", "request body must be a JSON object or a form")]
    public async Task Token_BadJsonBody_Returns400WithTheSpecsCodeAndMessage(string json, string errorCode, string message)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), Json(json)).Within();

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, errorCode, message);
    }

    [Theory]
    [InlineData("client_secret=made-up-client-secret", "missing_client_id")]
    [InlineData("client_id=&client_secret=made-up-client-secret", "missing_client_id")]
    [InlineData("client_id=a&client_id=b&client_secret=made-up-client-secret", "invalid_client_id")]
    [InlineData("client_id=made-up-client-id", "missing_client_secret")]
    public async Task Token_BadFormBody_Returns400WithTheSpecsCode(string form, string errorCode)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync(TokenUri(server), content).Within();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(errorCode, body.RootElement.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Token_NoBody_Returns400MissingClientId()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), content: null).Within();

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "missing_client_id", "client_id is required");
    }

    [Theory]
    [InlineData(ClientId, "wrong-made-up-secret")]
    [InlineData("wrong-made-up-id", ClientSecret)]
    public async Task Token_WrongPair_Returns401UnauthorizedWithoutEchoingTheSecret(string clientId, string clientSecret)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(TokenUri(server), Form(("client_id", clientId), ("client_secret", clientSecret))).Within();

        var text = await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized");
        Assert.DoesNotContain(clientSecret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateCredentials_NewPairAcceptedAndOldPairRefused()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        server.RotateCredentials("made-up-rotated-id", "made-up-rotated-secret");

        using var old = await http.PostAsync(TokenUri(server), Form(("client_id", ClientId), ("client_secret", ClientSecret))).Within();
        using var rotated = await http.PostAsync(TokenUri(server), Form(("client_id", "made-up-rotated-id"), ("client_secret", "made-up-rotated-secret"))).Within();
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal("made-up-rotated-id", server.ClientId);
        Assert.Equal("made-up-rotated-secret", server.ClientSecret);
    }

    [Fact]
    public async Task ConfigureFor_SetsHostsAndCredentials()
    {
        await using var server = await StartAsync();
        var options = new OrumAuthOptions();

        server.ConfigureFor(options);

        Assert.Equal(server.BaseAddress, options.ApiBaseAddress);
        Assert.Equal(server.BaseAddress, options.VaultBaseAddress);
        Assert.Equal(ClientId, options.ClientId);
        Assert.Equal(ClientSecret, options.ClientSecret);
    }

    internal static Task<OrumSandboxServer> StartAsync(OrumSandboxOptions? options = null) =>
        OrumSandboxServer.StartAsync(options ?? new OrumSandboxOptions { ClientId = ClientId, ClientSecret = ClientSecret }).Within();

    internal static Uri TokenUri(OrumSandboxServer server) => new(server.BaseAddress, "oauth/token");

    internal static async Task<string> RequestTokenAsync(HttpClient http, OrumSandboxServer server)
    {
        using var response = await http.PostAsJsonAsync(TokenUri(server), new Dictionary<string, string> { ["client_id"] = server.ClientId, ["client_secret"] = server.ClientSecret }).Within();
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    internal static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errorCode, string message)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal(errorCode, body.RootElement.GetProperty("error_code").GetString());
        Assert.Equal(message, body.RootElement.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("details").ValueKind);
        return text;
    }
}
