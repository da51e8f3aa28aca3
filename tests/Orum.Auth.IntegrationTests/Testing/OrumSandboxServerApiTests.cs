using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.IntegrationTests.TestSupport;
using Orum.Auth.Testing;
using static Orum.Auth.IntegrationTests.Testing.OrumSandboxServerTokenEndpointTests;

namespace Orum.Auth.IntegrationTests.Testing;

/// <summary>The emulator's Deliver and Verify endpoints: Orum's token and version checks, and the documented shapes.</summary>
public sealed class OrumSandboxServerApiTests
{
    private const string Version = "v2022-09-21";

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "deliver/balance" },
        { "GET", "deliver/persons?index=0&size=100" },
        { "POST", "deliver/persons" },
        { "POST", "verify/accounts" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_WithoutAuthorization_Returns401Unauthorized(string method, string path)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, method, path, token: null)).Within();

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized");
        Assert.Equal(1, server.ApiRequestCount);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_WithUnknownToken_Returns401Unauthorized(string method, string path)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, method, path, token: "made-up-token-the-server-never-issued")).Within();

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized");
    }

    [Fact]
    public async Task Balance_TokenPastItsLifetime_Returns401AndJustBeforeIt200()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 9, 0, 0, TimeSpan.Zero));
        await using var server = await OrumSandboxServer.StartAsync(new OrumSandboxOptions { TimeProvider = clock, TokenLifetime = TimeSpan.FromSeconds(60) }).Within();
        using var http = new HttpClient();
        var token = await RequestTokenAsync(http, server);

        clock.Advance(TimeSpan.FromSeconds(59));
        using var fresh = await http.SendAsync(Request(server, "GET", "deliver/balance", token)).Within();
        clock.Advance(TimeSpan.FromSeconds(1));
        using var expired = await http.SendAsync(Request(server, "GET", "deliver/balance", token)).Within();

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        await AssertErrorAsync(expired, HttpStatusCode.Unauthorized, "unauthorized", "Unauthorized");
    }

    [Fact]
    public async Task RevokeAllTokens_IssuedTokensGet401_NewOnesWork()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var revoked = await RequestTokenAsync(http, server);

        server.RevokeAllTokens();
        using var rejected = await http.SendAsync(Request(server, "GET", "deliver/balance", revoked)).Within();
        using var accepted = await http.SendAsync(Request(server, "GET", "deliver/balance", await RequestTokenAsync(http, server))).Within();

        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Theory]
    [InlineData(null, "version_missing", "Orum-Version header is required")]
    [InlineData("", "version_missing", "Orum-Version header is required")]
    [InlineData("v2099-01-01", "version_invalid", "Orum-Version header is invalid")]
    [InlineData("V2022-09-21", "version_invalid", "Orum-Version header is invalid")]
    public async Task Balance_MissingOrWrongVersion_Returns400(string? version, string errorCode, string message)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var token = await RequestTokenAsync(http, server);

        using var response = await http.SendAsync(Request(server, "GET", "deliver/balance", token, version)).Within();

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, errorCode, message);
    }

    [Fact]
    public async Task Balance_BadTokenAndNoVersion_ChecksTheTokenFirst()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "GET", "deliver/balance", token: null, version: null)).Within();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Balance_ReturnsTheDocumentedShapeInCents()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 9, 30, 15, 250, TimeSpan.Zero));
        await using var server = await OrumSandboxServer.StartAsync(new OrumSandboxOptions { TimeProvider = clock }).Within();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "GET", "deliver/balance", await RequestTokenAsync(http, server))).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var name in new[] { "balance", "total_balance" })
        {
            var balance = body.RootElement.GetProperty(name);
            Assert.Equal(0, balance.GetProperty("pending").GetInt64());
            Assert.Equal(1_250_000, balance.GetProperty("available").GetInt64());
            Assert.Equal("USD", balance.GetProperty("currency").GetString());
            Assert.Equal("2026-01-15T09:30:15Z", balance.GetProperty("updated_at").GetString());
        }
    }

    [Fact]
    public async Task Persons_PostThenGet_ReturnsTheCreatedPersons()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var token = await RequestTokenAsync(http, server);

        using var created = await http.SendAsync(Request(server, "POST", "deliver/persons", token, body: """{"customer_reference_id":"ref-1","first_name":"Ada","last_name":"Lovelace"}""")).Within();
        using var second = await http.SendAsync(Request(server, "POST", "deliver/persons", token, body: """{"customer_reference_id":"ref-2","first_name":"Alan","last_name":"Turing"}""")).Within();
        using var listed = await http.SendAsync(Request(server, "GET", "deliver/persons?index=0&size=100", token)).Within();
        using var page2 = await http.SendAsync(Request(server, "GET", "deliver/persons?index=1&size=1", token)).Within();

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var person = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var p = person.RootElement.GetProperty("person");
        Assert.True(Guid.TryParse(p.GetProperty("id").GetString(), out _));
        Assert.Equal("ref-1", p.GetProperty("customer_reference_id").GetString());
        Assert.Equal("Ada", p.GetProperty("first_name").GetString());
        Assert.Equal("Lovelace", p.GetProperty("last_name").GetString());
        Assert.Equal("created", p.GetProperty("status").GetString());
        Assert.Equal(p.GetProperty("created_at").GetString(), p.GetProperty("updated_at").GetString());

        using var all = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
        Assert.Equal(["ref-1", "ref-2"], all.RootElement.GetProperty("persons").EnumerateArray().Select(x => x.GetProperty("customer_reference_id").GetString()));
        using var second_page = JsonDocument.Parse(await page2.Content.ReadAsStringAsync());
        Assert.Equal(["ref-2"], second_page.RootElement.GetProperty("persons").EnumerateArray().Select(x => x.GetProperty("customer_reference_id").GetString()));
    }

    [Theory]
    [InlineData("""{"first_name":"Ada","last_name":"Lovelace"}""", "missing_customer_reference_id")]
    [InlineData("""{"customer_reference_id":"ref-1","last_name":"Lovelace"}""", "missing_first_name")]
    [InlineData("""{"customer_reference_id":"ref-1","first_name":"Ada"}""", "missing_last_name")]
    [InlineData("""{"customer_reference_id":1,"first_name":"Ada","last_name":"Lovelace"}""", "invalid_customer_reference_id")]
    [InlineData("""nope""", "invalid_body")]
    public async Task Persons_PostWithoutARequiredField_Returns400MissingField(string json, string errorCode)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "POST", "deliver/persons", await RequestTokenAsync(http, server), body: json)).Within();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(errorCode, body.RootElement.GetProperty("error_code").GetString());
    }

    [Theory]
    [InlineData("index=-1", "invalid_index")]
    [InlineData("size=501", "invalid_size")]
    [InlineData("size=ten", "invalid_size")]
    public async Task Persons_GetWithBadPaging_Returns400(string query, string errorCode)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "GET", $"deliver/persons?{query}", await RequestTokenAsync(http, server))).Within();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(errorCode, body.RootElement.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task VerifyAccounts_ValidRequest_ReturnsPendingVerification()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "POST", "verify/accounts", await RequestTokenAsync(http, server),
            body: """{"account_number":"00101044595","routing_number":"021000021","account_holder_name":"Ada Lovelace"}""")).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var account = body.RootElement.GetProperty("account");
        Assert.True(Guid.TryParse(account.GetProperty("id").GetString(), out _));
        Assert.Equal("00101044595", account.GetProperty("account_number").GetString());
        Assert.Equal("021000021", account.GetProperty("routing_number").GetString());
        Assert.Equal("Ada Lovelace", account.GetProperty("account_holder_name").GetString());
        Assert.Equal("pending", account.GetProperty("verification_status").GetString());
        Assert.False(string.IsNullOrEmpty(account.GetProperty("created_at").GetString()));
    }

    [Theory]
    [InlineData("""{"routing_number":"021000021","account_holder_name":"Ada"}""", "missing_account_number")]
    [InlineData("""{"account_number":"123","routing_number":"021000021","account_holder_name":"Ada"}""", "invalid_account_number")]
    [InlineData("""{"account_number":"123456789012345678","routing_number":"021000021","account_holder_name":"Ada"}""", "invalid_account_number")]
    [InlineData("""{"account_number":"12ab","routing_number":"021000021","account_holder_name":"Ada"}""", "invalid_account_number")]
    [InlineData("""{"account_number":"1234-5678","routing_number":"021000021","account_holder_name":"Ada"}""", "invalid_account_number")]
    [InlineData("""{"account_number":"1234","routing_number":"02100002","account_holder_name":"Ada"}""", "invalid_routing_number")]
    [InlineData("""{"account_number":"1234","account_holder_name":"Ada"}""", "missing_routing_number")]
    [InlineData("""{"account_number":"1234","routing_number":"021000021"}""", "missing_account_holder_name")]
    public async Task VerifyAccounts_BadField_Returns400(string json, string errorCode)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(server, "POST", "verify/accounts", await RequestTokenAsync(http, server), body: json)).Within();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(errorCode, body.RootElement.GetProperty("error_code").GetString());
    }

    private static HttpRequestMessage Request(OrumSandboxServer server, string method, string path, string? token, string? version = Version, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(server.BaseAddress, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (version is not null)
        {
            request.Headers.TryAddWithoutValidation("Orum-Version", version);
        }

        if (method == "POST")
        {
            request.Content = Json(body ?? """{"customer_reference_id":"ref-1","first_name":"Ada","last_name":"Lovelace","account_number":"1234","routing_number":"021000021","account_holder_name":"Ada"}""");
        }

        return request;
    }
}
