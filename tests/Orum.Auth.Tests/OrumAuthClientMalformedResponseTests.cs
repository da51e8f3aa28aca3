using System.Net;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

/// <summary>
/// A 2xx that is not the documented token always ends in <see cref="OrumInvalidResponseException"/>: never a
/// JsonException, NullReferenceException, FormatException, or a hang.
/// </summary>
public class OrumAuthClientMalformedResponseTests
{
    public static TheoryData<string> Malformed => MalformedTokenResponses.Names;

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task RequestTokenAsync_MalformedSuccessBody_ThrowsInvalidResponse(string body)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => MalformedTokenResponses.Create(body, e));

        // Exactly this type: a JsonException, FormatException or NullReferenceException would fail here, and a hang
        // would fail the endpoint's bounded wait.
        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.True((int)ex.StatusCode is >= 200 and <= 299, $"status {ex.StatusCode}");
        Assert.Contains("got HTTP 20", ex.Message, StringComparison.Ordinal);
        Assert.Single(endpoint.Requests);
    }

    [Theory]
    [InlineData("access-token-missing", "access_token is missing or empty")]
    [InlineData("access-token-empty", "access_token is missing or empty")]
    [InlineData("access-token-null", "access_token is missing or empty")]
    [InlineData("access-token-header-injection", "access_token has characters")]
    [InlineData("token-type-not-bearer", "token_type is not Bearer")]
    [InlineData("expires-in-missing", "expires_in is missing")]
    [InlineData("expires-in-null", "expires_in is missing")]
    [InlineData("expires-in-negative", "expires_in is negative")]
    [InlineData("expires-in-absurd", "expires_in is absurdly large")]
    [InlineData("json-null", "JSON null")]
    [InlineData("html-page", "-byte text/html body is not the documented token JSON")]
    [InlineData("empty-body", "an empty body (application/json)")]
    [InlineData("expires-in-string", "not the documented token JSON")]
    [InlineData("expires-in-overflows-double", "expires_in is absurdly large")]
    [InlineData("access-token-unquoted", "not the documented token JSON (not JSON, or a field of the wrong type; at $.access_token, byte ")]
    [InlineData("over-64-kib-with-length", "over 64 KiB")]
    [InlineData("over-64-kib-streamed", "over 64 KiB")]
    [InlineData("connection-drops-mid-body", "could not be read to the end")]
    [InlineData("body-never-finishes", "did not finish within 30 s")]
    public async Task RequestTokenAsync_MalformedSuccessBody_MessageSaysWhatIsWrong(string body, string expected)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => MalformedTokenResponses.Create(body, e));

        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_HtmlFromAProxy_ReportsStatusAndContentTypeButNotTheBody()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Text(HttpStatusCode.OK, "text/html", "<html><title>Captive portal PORTAL-MARKER</title></html>"));

        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.Equal("text/html", ex.ContentType);
        Assert.DoesNotContain("PORTAL-MARKER", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_BodyOfExactly64KiB_IsAccepted()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Streamed(HttpStatusCode.OK, "application/json", new MemoryStreamWithoutLength(MalformedTokenResponses.PaddedTokenJson("tok-64k", 64 * 1024))));

        var token = await endpoint.RequestTokenAsync();

        Assert.Equal("tok-64k", token.Value);
    }

    [Fact]
    public async Task RequestTokenAsync_BodyOneByteOver64KiB_IsRefused()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Streamed(HttpStatusCode.OK, "application/json", new MemoryStreamWithoutLength(MalformedTokenResponses.PaddedTokenJson("tok-64k", (64 * 1024) + 1))));

        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.Contains("over 64 KiB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_DeclaredLengthOver64KiB_IsRefusedWithoutReadingTheBody()
    {
        using var endpoint = new TokenEndpoint();
        var body = new EndlessStream(Responses.Utf8("{"));
        endpoint.Respond(() =>
        {
            var response = Responses.Streamed(HttpStatusCode.OK, "application/json", body);
            response.Content.Headers.ContentLength = 10 * 1024 * 1024;
            return response;
        });

        await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task RequestTokenAsync_EndlessBody_StopsReadingJustPast64KiB()
    {
        using var endpoint = new TokenEndpoint();
        var body = new EndlessStream(Responses.Utf8("{\"access_token\":\"x"), (byte)'x');
        endpoint.Respond(() => Responses.Streamed(HttpStatusCode.OK, "application/json", body));

        await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.InRange(body.BytesRead, (64 * 1024) + 1, (64 * 1024) + 4096);
    }

    [Fact]
    public async Task RequestTokenAsync_BodyNeverFinishes_ThrowsOnlyWhenTokenRequestTimeoutPasses()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Options.TokenRequestTimeout = TimeSpan.FromSeconds(5);
        endpoint.Respond(e => Responses.Streamed(HttpStatusCode.OK, "application/json", new HangingStream(Responses.Utf8("{\"access_token\":\"tok"), e.SignalBlocked)));

        var pending = endpoint.CreateClient().RequestTokenAsync();
        await endpoint.Blocked.WaitAsync(TestCredentials.HangGuard);
        endpoint.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(pending.IsCompleted);
        endpoint.Time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => pending.WaitAsync(TestCredentials.HangGuard));
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.Contains("did not finish within 5 s", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
    }

    [Fact]
    public async Task RequestTokenAsync_ConnectionDropsMidBody_KeepsTheIOExceptionAsCause()
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(e => MalformedTokenResponses.Create("connection-drops-mid-body", e));

        var ex = await Assert.ThrowsAsync<OrumInvalidResponseException>(() => endpoint.RequestTokenAsync());

        Assert.IsType<IOException>(ex.InnerException);
    }

    /// <summary>Exact bytes served as a stream of unknown length (chunked), so only the reader's own limit applies.</summary>
    private sealed class MemoryStreamWithoutLength(byte[] bytes) : ScriptedStream(bytes)
    {
        protected override ValueTask<int> ReadAfterPrefixAsync(Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(0);
    }
}
