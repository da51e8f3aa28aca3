using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Orum.Auth.Tests.TestSupport;
using RichardSzalay.MockHttp;

namespace Orum.Auth.Tests;

/// <summary>
/// Text a server chooses (error_code, message, details, content type) reaches messages, properties and logs without
/// control characters and within documented lengths: it can neither forge a log line nor make one 20,000 characters long.
/// </summary>
public class ServerTextLimitsTests
{
    private const string Forged = "bad\r\n2031-03-14 09:26:53 crit: forged line\u2028\u0085\u202E\u0000end";
    private const string BalanceUrl = "https://api-sandbox.orum.io/deliver/balance";
    // The body must stay under the 64 KiB the client reads, so the details are shorter than the other fields.
    private static readonly string Huge = new('x', 20_000);
    private static readonly string Long = new('x', 5_000);

    [Fact]
    public async Task RequestTokenAsync_ErrorTextWithLineBreaks_ForgesNoLogLineAndKeepsTheText()
    {
        using var logs = new FakeLoggerProvider();
        using var endpoint = LoggingEndpoint(logs);
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, Forged, Forged, $$"""{"field":{{Responses.Quote(Forged)}},{{Responses.Quote(Forged)}}:1}"""));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        var failed = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 3);
        Assert.All(TextsOf(ex).Append(failed.Message).Append(StructuredErrorCode(failed)), AssertClean);
        Assert.StartsWith("bad", ex.ErrorCode, StringComparison.Ordinal);
        Assert.EndsWith("end", ex.ErrorCode, StringComparison.Ordinal);
        Assert.Contains("forged line", ex.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("forged line", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_HugeErrorText_IsCappedInMessagePropertiesAndLogs()
    {
        using var logs = new FakeLoggerProvider();
        using var endpoint = LoggingEndpoint(logs);
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, Huge, Huge, $$"""{"field":"{{Long}}","{{Long}}":1}"""));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        Assert.Equal(new string('x', 64) + "…", ex.ErrorCode);
        Assert.Equal(new string('x', 1000) + "…", ex.ErrorMessage);
        Assert.All(Spellings.StringsIn(ex.Details).Where(s => s != "field"), s => Assert.Equal(new string('x', 1000) + "…", s));
        Assert.InRange(ex.Message.Length, 200, 600);
        var failed = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 3);
        Assert.InRange(failed.Message.Length, 64, 300);
        Assert.Equal(ex.ErrorCode, StructuredErrorCode(failed));
    }

    [Fact]
    public async Task RequestTokenAsync_ErrorTextCutInsideASurrogatePair_StaysValidUtf16()
    {
        // "x" first, so every cap falls between the two halves of an emoji.
        var emoji = "x" + string.Concat(Enumerable.Repeat("\U0001F600", 2_000));
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.OrumError(HttpStatusCode.BadRequest, emoji, emoji, $$"""{"field":"{{emoji}}"}"""));

        var ex = await Assert.ThrowsAsync<OrumBadRequestException>(() => endpoint.RequestTokenAsync());

        Assert.All(TextsOf(ex), AssertClean);
        Assert.EndsWith("\U0001F600…", ex.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(502)]
    public async Task RequestTokenAsync_HugeContentType_IsCappedInMessageAndContentType(int status)
    {
        using var endpoint = new TokenEndpoint();
        endpoint.Respond(() => Responses.Text((HttpStatusCode)status, $"text/{Huge}", "<html>no</html>"));

        var ex = await Assert.ThrowsAnyAsync<OrumAuthException>(() => endpoint.RequestTokenAsync());

        Assert.InRange(ex.Message.Length, 50, 500);
        if (ex is OrumInvalidResponseException invalid)
        {
            Assert.Equal("text/" + new string('x', 95) + "…", invalid.ContentType);
        }
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_HugeOrMultiLineErrorText_IsSanitisedAndCapped()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When(HttpMethod.Get, BalanceUrl).Respond(_ => Responses.OrumError(
            HttpStatusCode.Conflict, Forged + Huge, Forged + Huge, $$"""{"field":{{Responses.Quote(Forged + Long)}}}"""));
        using var http = mock.ToHttpClient();
        using var response = await http.GetAsync(new Uri(BalanceUrl)).WaitAsync(TestCredentials.HangGuard);

        var ex = await Assert.ThrowsAsync<OrumServerException>(() => response.EnsureOrumSuccessAsync());

        Assert.All(TextsOf(ex), AssertClean);
        Assert.Equal(65, ex.ErrorCode?.Length);
        Assert.Equal(1001, ex.ErrorMessage?.Length);
        Assert.InRange(ex.Message.Length, 200, 600);
    }

    private static TokenEndpoint LoggingEndpoint(FakeLoggerProvider logs) => new()
    {
        LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)),
    };

    private static string? StructuredErrorCode(FakeLogRecord record) =>
        record.StructuredState?.Single(p => p.Key == "ErrorCode").Value;

    private static IEnumerable<string?> TextsOf(Exception ex)
    {
        yield return ex.Message;
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

    /// <summary>No character that could end a log line, hide text or break an encoder.</summary>
    private static void AssertClean(string? text)
    {
        Assert.NotNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(text, i);
            Assert.False(
                category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format,
                $"U+{(int)text[i]:X4} at {i}");
            if (char.IsHighSurrogate(text[i]))
            {
                Assert.True(i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]), $"lone high surrogate at {i}");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(text[i]), $"lone low surrogate at {i}");
            }
        }
    }
}
