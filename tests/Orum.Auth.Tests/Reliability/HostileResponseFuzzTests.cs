using System.Net;
using System.Text;
using CsCheck;

namespace Orum.Auth.Tests.Reliability;

/// <summary>
/// Property tests over generated token and error responses: whatever comes back, the caller gets a valid token or an
/// <see cref="OrumAuthException"/>, never a JsonException, NullReferenceException, FormatException or a hang.
/// </summary>
public class HostileResponseFuzzTests
{
    // 10,000 generated responses per property; the long variant (ORUM_LONG_TESTS=1) generates 200,000.
    private static readonly long Iterations = Environment.GetEnvironmentVariable("ORUM_LONG_TESTS") == "1" ? 200_000 : 10_000;

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "text/html", "text/plain", "application/x-www-form-urlencoded",
        "application/problem+json", "", "garbage", "application/json; charset=bogus-charset", "\u00e9/\u00e8", ";;;",
    ];

    private static readonly string[] ExpiresInValues =
    [
        "3600", "0", "-1", "-0", "3600.5", "1e2", "1E309", "-1e400", "99999999999999999999999999", "86400", "86401",
        "\"3600\"", "null", "true", "[]", "{}", "NaN", "Infinity", "0x10", "1_000",
    ];

    private static readonly Gen<string> JsonScalar = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"),
        Gen.String.Select(s => System.Text.Json.JsonSerializer.Serialize(s)),
        Gen.OneOf("true", "false", "null", "\"\"", "\"Bearer\"", "\"\\u0000\"", "\"a\\r\\nb\""));

    private static readonly Gen<string> JsonValue = Gen.OneOf(
        JsonScalar,
        JsonScalar.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]"),
        Gen.Select(Gen.String[0, 12], JsonScalar).Array[0, 4]
            .Select(fields => "{" + string.Join(",", fields.Select(f => System.Text.Json.JsonSerializer.Serialize(f.Item1) + ":" + f.Item2)) + "}"));

    private static readonly Gen<string> TokenLikeJson =
        Gen.Select(
                Gen.OneOf(JsonValue, Gen.OneOf("\"made-up-token\"", "\"\"", "\"has space\"", "\"caf\u00e9\"")),
                Gen.OneOf(JsonValue, Gen.OneOf("\"Bearer\"", "\"bearer\"", "\"mac\"")),
                Gen.OneOf(JsonValue, Gen.OneOf(ExpiresInValues)),
                Gen.Bool.Array[3])
            .Select((token, type, expires, present) =>
            {
                var fields = new List<string>();
                if (present[0]) { fields.Add($"\"access_token\":{token}"); }
                if (present[1]) { fields.Add($"\"token_type\":{type}"); }
                if (present[2]) { fields.Add($"\"expires_in\":{expires}"); }
                return "{" + string.Join(",", fields) + "}";
            });

    private static readonly Gen<string> ErrorLikeJson =
        Gen.Select(JsonValue, JsonValue, JsonValue)
            .Select((code, message, details) => $"{{\"error_code\":{code},\"message\":{message},\"details\":{details}}}");

    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.OneOf(TokenLikeJson, ErrorLikeJson, Gen.Const<string>(() => """{"access_token":"made-up-token","token_type":"Bearer","expires_in":3600}""")), Gen.Int[0, 200], Gen.Byte, Gen.Bool)
            .Select((json, position, replacement, truncate) =>
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                var at = Math.Min(position, bytes.Length);
                if (truncate)
                {
                    return bytes[..at];
                }

                if (at < bytes.Length)
                {
                    bytes[at] = replacement;
                }

                return bytes;
            });

    private static readonly Gen<byte[]> Body = Gen.OneOf(
        Gen.Byte.Array[0, 256],
        JsonValue.Select(Encoding.UTF8.GetBytes),
        TokenLikeJson.Select(Encoding.UTF8.GetBytes),
        ErrorLikeJson.Select(Encoding.UTF8.GetBytes),
        Mutated);

    private static readonly Gen<string?> HeaderGarbage = Gen.OneOf(
        Gen.Const<string?>(() => null),
        Gen.String[0, 20].Select(s => (string?)s),
        Gen.OneOf<string?>("5", "-5", "1.5s", "350ms", "1m2.5s", "99999999999999999999", "1e9h", "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "abc", "1h-1m", "..s", "5x", "\u00b5s", "3\u00b5s"));

    private static readonly Gen<int> Status = Gen.OneOf(Gen.Int[100, 599], Gen.OneOf(200, 201, 204, 400, 401, 403, 404, 408, 418, 429, 500, 502, 503, 504));

    private static readonly Gen<FuzzCase> Cases =
        Gen.Select(Status, Gen.OneOf(ContentTypes), Body, HeaderGarbage, HeaderGarbage)
            .Select((status, contentType, body, retryAfter, retryIn) => new FuzzCase(status, contentType, body, retryAfter, retryIn));

    [Fact]
    public async Task RequestTokenAsync_AnyResponse_YieldsValidTokenOrOrumAuthException()
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Cases.SampleAsync(
            async c =>
            {
                using var http = new HttpClient(new CannedHandler(c));
                var client = new OrumAuthClient(http, new OrumAuthOptions { ClientId = "made-up-id", ClientSecret = "made-up-secret" });
                try
                {
                    var token = await client.RequestTokenAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    Assert.InRange(c.Status, 200, 299);
                    Assert.False(string.IsNullOrEmpty(token.Value));
                    Assert.InRange(token.ExpiresIn, TimeSpan.Zero, TimeSpan.FromHours(24));
                    outcomes.AddOrUpdate("token", 1, (_, n) => n + 1);
                }
                catch (OrumAuthException ex)
                {
                    Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                    if (ex is OrumApiException api)
                    {
                        Assert.Equal(c.Status, (int)api.StatusCode);
                        Assert.True(api.RetryAfter is null || api.RetryAfter >= TimeSpan.Zero);
                    }

                    outcomes.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
                }
            },
            iter: Iterations,
            seed: "0N0XIzNsQ0O2");

        // The generators reach every branch: tokens, API errors and invalid responses all occurred.
        Assert.True(outcomes.Values.Sum() >= Iterations, $"only {outcomes.Values.Sum()} responses were generated");
        Assert.True(outcomes.GetValueOrDefault("token") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(OrumInvalidResponseException)) > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(OrumServerException)) > 0, string.Join(", ", outcomes));
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_AnyErrorResponse_YieldsOrumApiExceptionForItsStatus()
    {
        await Cases.SampleAsync(
            async c =>
            {
                using var response = CannedHandler.Create(c);
                if (c.Status is >= 200 and < 300)
                {
                    await response.EnsureOrumSuccessAsync();
                    return;
                }

                var error = await Assert.ThrowsAnyAsync<OrumApiException>(() => response.EnsureOrumSuccessAsync());
                Assert.Equal(c.Status, (int)error.StatusCode);
                Assert.True(error.Details is null || error.Details.Value.ValueKind == System.Text.Json.JsonValueKind.Object);
            },
            iter: Iterations,
            seed: "0N0XIzNsQ0O2");
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(200, false)]
    [InlineData(500, true)] // an error body is read through the same limit
    [InlineData(500, false)]
    [InlineData(429, false)]
    public async Task RequestTokenAsync_OneMebibyteBody_StopsReadingAtTheLimit(int status, bool declareLength)
    {
        var body = new CountingStream(1024 * 1024);
        using var http = new HttpClient(new StreamHandler(body, declareLength, (HttpStatusCode)status));
        var client = new OrumAuthClient(http, new OrumAuthOptions { ClientId = "made-up-id", ClientSecret = "made-up-secret" });

        var error = await Assert.ThrowsAnyAsync<OrumAuthException>(() => client.RequestTokenAsync().WaitAsync(TimeSpan.FromSeconds(10)));

        if (status == 200)
        {
            Assert.IsType<OrumInvalidResponseException>(error);
            Assert.Contains("64 KiB", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(status, (int)Assert.IsAssignableFrom<OrumApiException>(error).StatusCode);
        }

        Assert.InRange(body.BytesRead, 0, declareLength ? 0 : (64 * 1024) + 1);
    }

    internal sealed record FuzzCase(int Status, string ContentType, byte[] Body, string? RetryAfter, string? RetryIn)
    {
        public override string ToString() => $"{Status} {ContentType} [{Body.Length} bytes] RA={RetryAfter} XRI={RetryIn} {Encoding.UTF8.GetString(Body)}";
    }

    private sealed class CannedHandler(FuzzCase c) : HttpMessageHandler
    {
        public static HttpResponseMessage Create(FuzzCase c)
        {
            var content = new ByteArrayContent(c.Body);
            content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            var response = new HttpResponseMessage((HttpStatusCode)c.Status) { Content = content };
            if (c.RetryAfter is not null)
            {
                response.Headers.TryAddWithoutValidation("Retry-After", c.RetryAfter);
            }

            if (c.RetryIn is not null)
            {
                response.Headers.TryAddWithoutValidation("X-Retry-In", c.RetryIn);
            }

            return response;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Create(c));
    }

    private sealed class StreamHandler(Stream body, bool declareLength, HttpStatusCode status) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new StreamContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            content.Headers.ContentLength = declareLength ? body.Length : null;
            return Task.FromResult(new HttpResponseMessage(status) { Content = content });
        }
    }

    /// <summary>A JSON-looking body of the given size, produced on demand, that counts what was read from it.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        private static readonly byte[] Prefix = Encoding.UTF8.GetBytes("{\"access_token\":\"");

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - BytesRead);
            for (var i = 0; i < n; i++)
            {
                var at = BytesRead + i;
                buffer[offset + i] = at < Prefix.Length ? Prefix[at] : (byte)'a';
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
