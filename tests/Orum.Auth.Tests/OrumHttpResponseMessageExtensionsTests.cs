using System.Globalization;
using System.Net;
using System.Text.Json;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests;

/// <summary><see cref="OrumHttpResponseMessageExtensions.EnsureOrumSuccessAsync"/> on Deliver and Verify responses.</summary>
public class OrumHttpResponseMessageExtensionsTests
{
    private const string BalanceUrl = "https://api-sandbox.orum.io/deliver/balance";

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    public async Task EnsureOrumSuccessAsync_SuccessStatus_ReturnsAndLeavesTheBodyUnread(int status)
    {
        var body = new BreakingStream(Responses.Utf8("{\"balance\":{}}"));
        using var response = await GetAsync(() => Responses.Streamed((HttpStatusCode)status, "application/json", body));

        await response.EnsureOrumSuccessAsync().WaitAsync(TestCredentials.HangGuard);

        Assert.Equal(0, body.BytesRead);
    }

    public static TheoryData<int, Type> StatusTypes => new()
    {
        { 400, typeof(OrumBadRequestException) },
        { 401, typeof(OrumUnauthorizedException) },
        { 403, typeof(OrumForbiddenException) },
        { 429, typeof(OrumRateLimitedException) },
        { 500, typeof(OrumServerException) },
        { 503, typeof(OrumServerException) },
        { 404, typeof(OrumServerException) },
        { 418, typeof(OrumServerException) },
        { 422, typeof(OrumServerException) },
        { 502, typeof(OrumServerException) },
    };

    [Theory]
    [MemberData(nameof(StatusTypes))]
    public async Task EnsureOrumSuccessAsync_ErrorStatus_ThrowsTheSameTypeAsTheTokenClient(int status, Type expectedType)
    {
        using var response = await GetAsync(() => Responses.OrumError((HttpStatusCode)status, "person_not_found", "person not found", """{"id":"p-1"}"""));

        var ex = await Assert.ThrowsAnyAsync<OrumApiException>(() => response.EnsureOrumSuccessAsync().WaitAsync(TestCredentials.HangGuard));

        Assert.IsType(expectedType, ex);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal("person_not_found", ex.ErrorCode);
        Assert.Equal("person not found", ex.ErrorMessage);
        Assert.Equal("p-1", Assert.NotNull(ex.Details).GetProperty("id").GetString());
        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OrumErrorCodes.VersionMissing, "Orum-Version header is required")]
    [InlineData(OrumErrorCodes.VersionInvalid, "Orum-Version is invalid")]
    public async Task EnsureOrumSuccessAsync_VersionError_IsABadRequestWithItsCode(string errorCode, string message)
    {
        using var response = await GetAsync(() => Responses.OrumError(HttpStatusCode.BadRequest, errorCode, message));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => response.EnsureOrumSuccessAsync());

        Assert.Equal(errorCode, ex.ErrorCode);
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_ExpiredToken_IsUnauthorizedWithItsCode()
    {
        using var response = await GetAsync(() => Responses.OrumError(HttpStatusCode.Unauthorized, OrumErrorCodes.Unauthorized, "unauthorized"));

        var ex = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => response.EnsureOrumSuccessAsync());

        Assert.Equal(OrumErrorCodes.Unauthorized, ex.ErrorCode);
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_RateLimited_ExposesTheLongerOfRetryAfterAndXRetryIn()
    {
        using var response = await GetAsync(() => Responses.OrumError(HttpStatusCode.TooManyRequests, OrumErrorCodes.TooManyRequests, "Too Many Requests")
            .WithHeader("Retry-After", "3")
            .WithHeader("X-Retry-In", "4.25s"));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => response.EnsureOrumSuccessAsync());

        Assert.Equal(TimeSpan.FromSeconds(4.25), ex.RetryAfter);
    }

    [Theory]
    [MemberData(nameof(ErrorBodies))]
    public async Task EnsureOrumSuccessAsync_ErrorWithoutOrumBody_ThrowsTheTypeForTheStatusWithoutTheBody(string body)
    {
        using var response = await GetAsync(() => ErrorResponses.Create(body, HttpStatusCode.Forbidden));

        var ex = await Assert.ThrowsAsync<OrumForbiddenException>(() => response.EnsureOrumSuccessAsync().WaitAsync(TestCredentials.HangGuard));

        Assert.Null(ex.ErrorCode);
        Assert.Null(ex.ErrorMessage);
        Assert.Contains("403", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an Orum error response", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ErrorResponses.BodyMarker, ex.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> ErrorBodies => ErrorResponses.Names;

    [Fact]
    public async Task EnsureOrumSuccessAsync_Message_NamesTheCallButNotItsQuery()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When(HttpMethod.Get, "https://api-sandbox.orum.io/deliver/persons")
            .Respond(_ => Responses.OrumError(HttpStatusCode.NotFound, "not_found", "not found"));
        using var http = mock.ToHttpClient();
        using var response = await http.GetAsync(new Uri("https://api-sandbox.orum.io/deliver/persons?index=0&size=100&email=jane%40example.com"));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => response.EnsureOrumSuccessAsync());

        Assert.StartsWith("GET /deliver/persons failed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("example.com", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("size=100", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_ResponseWithoutRequest_StillThrowsTyped()
    {
        using var response = Responses.OrumError(HttpStatusCode.ServiceUnavailable, "unavailable", "try later");

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => response.EnsureOrumSuccessAsync());

        Assert.Equal("unavailable", ex.ErrorCode);
        Assert.StartsWith("The Orum request failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_CallerCancelsWhileTheErrorBodyIsStuck_ThrowsOperationCanceled()
    {
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var response = await GetAsync(() => Responses.Streamed(HttpStatusCode.BadGateway, "text/html", new HangingStream(Responses.Utf8("<html>"), () => blocked.TrySetResult())));
        using var caller = new CancellationTokenSource();

        var pending = response.EnsureOrumSuccessAsync(caller.Token);
        await blocked.Task.WaitAsync(TestCredentials.HangGuard);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TestCredentials.HangGuard));
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_NullResponse_Throws()
    {
        await Assert.ThrowsAsync<ArgumentNullException>("response", () => ((HttpResponseMessage)null!).EnsureOrumSuccessAsync());
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_Details_SurviveTheResponse()
    {
        var response = await GetAsync(() => Responses.OrumError(HttpStatusCode.BadRequest, "invalid_field", "bad", """{"fields":["a","b"]}"""));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => response.EnsureOrumSuccessAsync());
        response.Dispose();

        var details = Assert.NotNull(ex.Details);
        Assert.Equal(JsonValueKind.Array, details.GetProperty("fields").ValueKind);
        Assert.Equal("b", details.GetProperty("fields")[1].GetString());
    }

    /// <summary>A real GET through HttpClient and MockHttp, so the response carries its request like a live one does.</summary>
    private static async Task<HttpResponseMessage> GetAsync(Func<HttpResponseMessage> respond)
    {
        using var mock = new MockHttpMessageHandler();
        mock.When(HttpMethod.Get, BalanceUrl).Respond(_ => respond());
        using var http = mock.ToHttpClient();
        return await http.GetAsync(new Uri(BalanceUrl), HttpCompletionOption.ResponseHeadersRead).WaitAsync(TestCredentials.HangGuard);
    }
}
