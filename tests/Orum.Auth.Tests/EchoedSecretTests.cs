using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests;

/// <summary>
/// A server or proxy that echoes what it was sent puts the client secret (token requests) or the bearer token (Deliver
/// and Verify calls) into the text it returns: every spelling of it is masked before that text reaches an exception's
/// message or properties, or a log.
/// </summary>
public class EchoedSecretTests
{
    // Characters that URL-encoding and JSON-escaping spell differently, around a canary of the leak guard.
    private const string Secret = "made-up-secret +/&<\"é!~";
    private const string Token = "test-token-5a0f+/==";
    private const string BalanceUrl = "https://api-sandbox.orum.io/deliver/balance";

    public static TheoryData<string> SpellingNames => Spellings.Names;

    [Theory]
    [MemberData(nameof(SpellingNames))]
    public async Task RequestTokenAsync_ErrorEchoesTheSecret_MasksItInMessagePropertiesAndLogs(string spelling)
    {
        var echoed = Spellings.Of(spelling, Secret);
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        using var endpoint = new TokenEndpoint(options: TestCredentials.Options(o => o.ClientSecret = Secret));
        endpoint.LoggerFactory = loggerFactory;
        endpoint.Respond(() => EchoingError(HttpStatusCode.BadRequest, echoed));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        var texts = TextsOf(ex).Concat(LeakScanner.TextsOf(logs.Collector.GetSnapshot())).ToList();
        Assert.Empty(LeakScanner.FindLeaks(texts, echoed, "made-up-secret"));
        Assert.Equal("credential '***' is not valid", ex.ErrorMessage);
        Assert.Equal("bad_***", ex.ErrorCode);
        Assert.Contains("credential '***' is not valid", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "***", "***", "***", "kept", "sent" }, Spellings.StringsIn(ex.Details).Order(StringComparer.Ordinal));
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Id.Id == 3 && r.Message.Contains("bad_***", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestTokenAsync_DetailsWithHalfASurrogatePair_StillMasksAndThrowsTheStatusException()
    {
        // "\uDC00" is valid JSON but no .NET string: reading it throws, so it must survive the masking copy as written.
        using var endpoint = new TokenEndpoint(options: TestCredentials.Options(o => o.ClientSecret = Secret));
        endpoint.Respond(() => Responses.OrumError(
            HttpStatusCode.Unauthorized, "unauthorized", "no", $$"""{"sent":{{Responses.Quote(Secret)}},"odd":"a\uDC00b","\uD800":[1.50,true,null]}"""));

        var ex = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(new[] { "***", "\\uD800", "a\\uDC00b", "odd", "sent" }, Spellings.StringsIn(ex.Details).Order(StringComparer.Ordinal));
        Assert.Equal("""[1.50,true,null]""", Assert.NotNull(ex.Details).GetProperty("\\uD800").GetRawText());
    }

    [Theory]
    [InlineData(OrumTokenRequestFormat.Json)]
    [InlineData(OrumTokenRequestFormat.Form)]
    public async Task RequestTokenAsync_ProxyQuotesTheRequestBody_MasksTheSecretAsItWasSent(OrumTokenRequestFormat format)
    {
        using var endpoint = new TokenEndpoint(options: TestCredentials.Options(o =>
        {
            o.ClientSecret = Secret;
            o.TokenRequestFormat = format;
        }));
        endpoint.Respond(e => Responses.OrumError(HttpStatusCode.BadGateway, "bad_gateway", $"upstream refused {e.LastRequest.Body}"));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => endpoint.RequestTokenAsync());

        Assert.Contains(TestCredentials.ClientId, ex.ErrorMessage, StringComparison.Ordinal); // the body really was quoted
        Assert.Contains("***", ex.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(LeakScanner.FindLeaks(TextsOf(ex), "made-up-secret"));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(502)]
    public async Task RequestTokenAsync_ContentTypeEchoesTheSecret_MasksItInMessageAndContentType(int status)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Text((HttpStatusCode)status, $"text/{TestCredentials.ClientSecret}", "<html>no</html>"));

        var ex = await Assert.ThrowsAnyAsync<OrumAuthException>(() => endpoint.RequestTokenAsync());

        Assert.Contains("text/***", ex.Message, StringComparison.Ordinal);
        Assert.Empty(LeakScanner.FindLeaks(TextsOf(ex), TestCredentials.ClientSecret));
        if (ex is OrumInvalidResponseException invalid)
        {
            Assert.Equal("text/***", invalid.ContentType);
        }
    }

    [Theory]
    [MemberData(nameof(SpellingNames))]
    public async Task EnsureOrumSuccessAsync_ErrorEchoesTheBearerToken_MasksItInMessageAndProperties(string spelling)
    {
        var echoed = Spellings.Of(spelling, Token);
        using var response = await SendWithTokenAsync(Token, () => EchoingError(HttpStatusCode.Unauthorized, echoed));

        var ex = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => response.EnsureOrumSuccessAsync());

        Assert.Empty(LeakScanner.FindLeaks(TextsOf(ex), echoed, "test-token-5a0f"));
        Assert.Equal("credential '***' is not valid", ex.ErrorMessage);
        Assert.Equal("bad_***", ex.ErrorCode);
        Assert.Equal(new[] { "***", "***", "***", "kept", "sent" }, Spellings.StringsIn(ex.Details).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_ContentTypeEchoesTheBearerToken_MasksItInTheMessage()
    {
        using var response = await SendWithTokenAsync(
            TestCredentials.TokenValue, () => Responses.Text(HttpStatusCode.BadGateway, $"text/{TestCredentials.TokenValue}", "<html>no</html>"));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => response.EnsureOrumSuccessAsync());

        Assert.Contains("text/***", ex.Message, StringComparison.Ordinal);
        Assert.Empty(LeakScanner.FindLeaks(TextsOf(ex), TestCredentials.TokenValue));
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_ThroughTheBearerHandler_MasksTheTokenTheHandlerSent()
    {
        var time = new FakeTimeProvider(TestCredentials.Start);
        using var tokens = new TokenCache(new FixedTokenClient(time), new OrumAuthOptions(), time);
        using var api = new MockHttpMessageHandler();
        api.When(HttpMethod.Get, BalanceUrl).Respond(request => Responses.OrumError(
            HttpStatusCode.Forbidden, "forbidden", $"token {request.Headers.Authorization?.Parameter} may not read the balance"));
        using var http = new HttpClient(new OrumBearerTokenHandler(tokens, new OrumAuthOptions()) { InnerHandler = api });
        using var response = await http.GetAsync(new Uri(BalanceUrl)).WaitAsync(TestCredentials.HangGuard);

        var ex = await Assert.ThrowsAsync<OrumForbiddenException>(() => response.EnsureOrumSuccessAsync());

        Assert.Equal("token *** may not read the balance", ex.ErrorMessage);
        Assert.Empty(LeakScanner.FindLeaks(TextsOf(ex), TestCredentials.TokenValue));
    }

    /// <summary>An Orum error body with <paramref name="echoed"/> in its message, error_code and details (names and values, nested).</summary>
    private static HttpResponseMessage EchoingError(HttpStatusCode status, string echoed) => Responses.OrumError(
        status,
        $"bad_{echoed}",
        $"credential '{echoed}' is not valid",
        $$"""{"sent":{{Responses.Quote(echoed)}},{{Responses.Quote(echoed)}}:[{{Responses.Quote(echoed)}},{"kept":1}]}""");

    private static IEnumerable<string?> TextsOf(Exception ex)
    {
        foreach (var text in LeakScanner.TextsOf(ex))
        {
            yield return text;
        }

        if (ex is OrumApiException api)
        {
            yield return api.ErrorCode;
            yield return api.ErrorMessage;
            foreach (var text in Spellings.StringsIn(api.Details))
            {
                yield return text;
            }
        }
    }

    /// <summary>A GET with <c>Authorization: Bearer <paramref name="token"/></c>, answered by <paramref name="respond"/>.</summary>
    private static async Task<HttpResponseMessage> SendWithTokenAsync(string token, Func<HttpResponseMessage> respond)
    {
        using var mock = new MockHttpMessageHandler();
        mock.When(HttpMethod.Get, BalanceUrl).Respond(_ => respond());
        using var http = mock.ToHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, BalanceUrl); // not disposed: the response keeps it as RequestMessage
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TestCredentials.HangGuard);
    }

    private sealed class FixedTokenClient(TimeProvider time) : IOrumTokenClient
    {
        public Task<OrumAccessToken> RequestTokenAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new OrumAccessToken(TestCredentials.TokenValue, "Bearer", TimeSpan.FromHours(1), time.GetUtcNow()));
    }
}
