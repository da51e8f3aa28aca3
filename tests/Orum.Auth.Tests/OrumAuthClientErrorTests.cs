using System.Globalization;
using System.Net;
using System.Text.Json;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

/// <summary>How <see cref="OrumAuthClient"/> reports error statuses, Orum's error bodies, Retry-After and network failures.</summary>
public class OrumAuthClientErrorTests
{
    public static TheoryData<int, Type> StatusTypes => new()
    {
        { 400, typeof(OrumBadRequestException) },
        { 401, typeof(OrumUnauthorizedException) },
        { 403, typeof(OrumForbiddenException) },
        { 429, typeof(OrumRateLimitedException) },
        { 500, typeof(OrumServerException) },
        { 503, typeof(OrumServerException) },
        // Not declared by the spec (its "default" response): each still gets a typed exception.
        { 418, typeof(OrumServerException) },
        { 502, typeof(OrumServerException) },
        { 504, typeof(OrumServerException) },
        { 404, typeof(OrumServerException) },
        { 409, typeof(OrumServerException) },
        { 302, typeof(OrumServerException) },
        { 599, typeof(OrumServerException) },
    };

    [Theory]
    [MemberData(nameof(StatusTypes))]
    public async Task RequestTokenAsync_ErrorStatusWithOrumBody_ThrowsTheTypeForTheStatus(int status, Type expectedType)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError((HttpStatusCode)status, "some_error_code", "Something went wrong"));

        var ex = await Assert.ThrowsAnyAsync<OrumApiException>(() => endpoint.RequestTokenAsync());

        Assert.IsType(expectedType, ex);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal("some_error_code", ex.ErrorCode);
        Assert.Equal("Something went wrong", ex.ErrorMessage);
        Assert.Null(ex.Details);
        Assert.Null(ex.RetryAfter);
        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Contains("some_error_code", ex.Message, StringComparison.Ordinal);
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task RequestTokenAsync_DetailsWithInvalidUtf8_StatusExceptionWithTheRestOfTheError()
    {
        using var endpoint = new TokenEndpoint();
        var body = "{\"error_code\":\"bad_request\",\"message\":\"Bad\",\"details\":{\"field\":\"x\uFFFFy\"}}"u8.ToArray();
        var at = Array.IndexOf(body, (byte)'y') - 1;
        body[at] = 0xF8; // never valid in UTF-8
        endpoint.Respond(() => new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        });

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        Assert.Equal("bad_request", ex.ErrorCode);
        Assert.Equal("Bad", ex.ErrorMessage);
        Assert.Null(ex.Details); // unreadable as text: dropped, not thrown
    }

    [Theory]
    [InlineData(OrumErrorCodes.MissingClientId, "client_id is required")]
    [InlineData(OrumErrorCodes.InvalidClientId, "client_id must be a string")]
    [InlineData(OrumErrorCodes.MissingClientSecret, "client_secret is required")]
    [InlineData(OrumErrorCodes.InvalidClientSecret, "client_secret must be a string")]
    public async Task RequestTokenAsync_DocumentedFieldError_ExposesTheErrorCodeConstant(string errorCode, string message)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, errorCode, message));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(errorCode, ex.ErrorCode);
        Assert.Equal(message, ex.ErrorMessage);
    }

    [Fact]
    public async Task RequestTokenAsync_WrongCredentials_ThrowsUnauthorizedWithOrumsCode()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.Unauthorized, OrumErrorCodes.Unauthorized, "Unauthorized"));

        var ex = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(OrumErrorCodes.Unauthorized, ex.ErrorCode);
        Assert.Contains("client id and secret", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RequestTokenAsync_ErrorWithDetailsObject_ExposesDetailsAfterTheResponseIsGone()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, "invalid_client_id", "client_id must be a string", """{"field":"client_id","hint":["a",1]}"""));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        // The response and its pooled buffer are gone by now: the element must be a copy.
        var details = Assert.NotNull(ex.Details);
        Assert.Equal(JsonValueKind.Object, details.ValueKind);
        Assert.Equal("client_id", details.GetProperty("field").GetString());
        Assert.Equal(2, details.GetProperty("hint").GetArrayLength());
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public async Task RequestTokenAsync_DetailsNotAnObject_DetailsIsNull(string detailsJson)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, "invalid_client_id", "client_id must be a string", detailsJson));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        Assert.Equal("invalid_client_id", ex.ErrorCode);
        Assert.Null(ex.Details);
    }

    [Fact]
    public async Task RequestTokenAsync_ErrorBodyWithoutDetails_DetailsIsNull()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Json(HttpStatusCode.TooManyRequests, """{"error_code":"too_many_requests","message":"Too Many Requests"}"""));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(OrumErrorCodes.TooManyRequests, ex.ErrorCode);
        Assert.Null(ex.Details);
    }

    public static TheoryData<string, int> NonOrumBodies
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var name in ErrorResponses.All)
            {
                foreach (var status in new[] { 401, 429, 502 })
                {
                    data.Add(name, status);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(NonOrumBodies))]
    public async Task RequestTokenAsync_ErrorStatusWithoutOrumBody_StillThrowsTheTypeForTheStatus(string body, int status)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => ErrorResponses.Create(body, (HttpStatusCode)status, e));

        var ex = await Assert.ThrowsAnyAsync<OrumApiException>(() => endpoint.RequestTokenAsync());

        Assert.IsType(ExpectedType(status), ex);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Null(ex.ErrorCode);
        Assert.Null(ex.ErrorMessage);
        Assert.Null(ex.Details);
        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ErrorResponses.BodyMarker, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("<html", ex.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("html-page", "text/html", true)]
    [InlineData("plain-text", "text/plain", true)]
    [InlineData("json-without-error-code", "application/json", true)]
    [InlineData("truncated-json", "application/json", true)]
    [InlineData("empty-body", "empty", false)]
    [InlineData("empty-json-body", "empty", false)]
    [InlineData("connection-drops-mid-body", "application/json", false)]
    [InlineData("over-64-kib", "64 KiB", false)]
    public async Task RequestTokenAsync_ErrorStatusWithoutOrumBody_MessageSaysWhatCameBack(string body, string expectedInMessage, bool saysLength)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => ErrorResponses.Create(body, HttpStatusCode.BadGateway, e));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => endpoint.RequestTokenAsync());

        Assert.Contains("502", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an Orum error response", ex.Message, StringComparison.Ordinal);
        if (saysLength)
        {
            using var probe = ErrorResponses.Create(body, HttpStatusCode.BadGateway, endpoint);
            var length = (await probe.Content.ReadAsByteArrayAsync()).Length;
            Assert.Contains($"{length.ToString(CultureInfo.InvariantCulture)}-byte", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RequestTokenAsync_ErrorBodyDropsMidway_MessageSaysTheBodyWasCutOff()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => ErrorResponses.Create("connection-drops-mid-body", HttpStatusCode.ServiceUnavailable, e));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => endpoint.RequestTokenAsync());

        Assert.Contains("a body (application/json) that could not be read to the end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_RateLimitedAndTheBodyNeverFinishes_StillThrowsRateLimitedWithRetryAfter()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => Responses.Streamed(HttpStatusCode.TooManyRequests, "application/json", new HangingStream(Responses.Utf8("{\"error_code\":"), e.SignalBlocked))
            .WithHeader("Retry-After", "600"));

        // The status and Retry-After arrived; only the body stalled. Losing them would make callers retry during a block.
        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(TimeSpan.FromMinutes(10), ex.RetryAfter);
        Assert.Null(ex.ErrorCode);
        Assert.Contains("did not finish", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Retry-After", "120", 120_000)]
    [InlineData("Retry-After", "0", 0)]
    [InlineData("X-Retry-In", "1.5s", 1_500)]
    [InlineData("X-Retry-In", "350ms", 350)]
    [InlineData("X-Retry-In", "1m2.5s", 62_500)]
    [InlineData("X-Retry-In", "1h", 3_600_000)]
    [InlineData("X-Retry-In", "2", 2_000)]
    [InlineData("X-Retry-In", "0.25", 250)]
    [InlineData("X-Retry-In", "1500us", 1.5)]
    public async Task RequestTokenAsync_RateLimitedWithWaitHeader_ExposesRetryAfter(string header, string value, double expectedMilliseconds)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.TooManyRequests, OrumErrorCodes.TooManyRequests, "Too Many Requests").WithHeader(header, value));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        var retryAfter = Assert.NotNull(ex.RetryAfter);
        Assert.Equal(expectedMilliseconds, retryAfter.TotalMilliseconds, 3);
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfterHttpDate_IsMeasuredFromTheInjectedClock()
    {
        using var endpoint = new TokenEndpoint();
        var date = TestCredentials.Start.AddSeconds(90).ToString("r", CultureInfo.InvariantCulture);
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.ServiceUnavailable, "unavailable", "Service Unavailable").WithHeader("Retry-After", date));

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(TimeSpan.FromSeconds(90), ex.RetryAfter);
    }

    [Fact]
    public async Task RequestTokenAsync_RetryAfterHttpDateInThePast_IsZero()
    {
        using var endpoint = new TokenEndpoint();
        var date = TestCredentials.Start.AddMinutes(-5).ToString("r", CultureInfo.InvariantCulture);
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.TooManyRequests, OrumErrorCodes.TooManyRequests, "Too Many Requests").WithHeader("Retry-After", date));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(TimeSpan.Zero, ex.RetryAfter);
    }

    [Fact]
    public async Task RequestTokenAsync_BothWaitHeaders_UsesTheLongerWait()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.TooManyRequests, OrumErrorCodes.TooManyRequests, "Too Many Requests")
            .WithHeader("Retry-After", "2")
            .WithHeader("X-Retry-In", "3.5s"));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(TimeSpan.FromSeconds(3.5), ex.RetryAfter);
    }

    [Theory]
    [InlineData("Retry-After", "soon")]
    [InlineData("Retry-After", "-5")]
    [InlineData("Retry-After", "1.5")]
    [InlineData("Retry-After", "")]
    [InlineData("Retry-After", "Tomorrow, 99 Foo 2031")]
    [InlineData("X-Retry-In", "soon")]
    [InlineData("X-Retry-In", "-1s")]
    [InlineData("X-Retry-In", "1x")]
    [InlineData("X-Retry-In", "ms")]
    [InlineData("X-Retry-In", "1.2.3s")]
    [InlineData("X-Retry-In", "1m5")]
    [InlineData("X-Retry-In", "NaN")]
    [InlineData("X-Retry-In", "Infinity")]
    [InlineData("X-Retry-In", "1e3")]
    [InlineData("X-Retry-In", "")]
    public async Task RequestTokenAsync_GarbageWaitHeader_RetryAfterIsNull(string header, string value)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.TooManyRequests, OrumErrorCodes.TooManyRequests, "Too Many Requests").WithHeader(header, value));

        var ex = await Assert.ThrowsAsync<OrumRateLimitedException>(() => endpoint.RequestTokenAsync());

        Assert.Null(ex.RetryAfter);
    }

    [Fact]
    public async Task RequestTokenAsync_EndpointUnreachable_ThrowsNetworkExceptionWithTheCause()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(_ => Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused (test)")));

        var ex = await Assert.ThrowsAsync<OrumNetworkException>(() => endpoint.RequestTokenAsync());

        Assert.False(ex.IsTimeout);
        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Contains("api-sandbox.orum.io", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_HeadersNeverArrive_ThrowsTimeoutOnlyAfterTokenRequestTimeout()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Options.TokenRequestTimeout = TimeSpan.FromSeconds(12);
        endpoint.Respond(e => e.NeverRespondAsync());

        var pending = endpoint.CreateClient().RequestTokenAsync();
        await endpoint.Blocked.WaitAsync(TestCredentials.HangGuard);
        endpoint.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(pending.IsCompleted);
        endpoint.Time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<OrumNetworkException>(() => pending.WaitAsync(TestCredentials.HangGuard));
        Assert.True(ex.IsTimeout);
        Assert.Contains("12 s", ex.Message, StringComparison.Ordinal);
    }

    private static Type ExpectedType(int status) => status switch
    {
        400 => typeof(OrumBadRequestException),
        401 => typeof(OrumUnauthorizedException),
        403 => typeof(OrumForbiddenException),
        429 => typeof(OrumRateLimitedException),
        _ => typeof(OrumServerException),
    };
}
