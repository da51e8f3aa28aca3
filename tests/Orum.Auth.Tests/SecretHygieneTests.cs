using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests;

/// <summary>
/// Neither the client secret nor a token value appears in any exception (message, ToString, inner exceptions, Data),
/// any ToString of options or tokens, or any log record, whatever the token endpoint answers.
/// </summary>
public class SecretHygieneTests
{
    private const string Secret = "s3cr3t-DO-NOT-LEAK-7f2a";
    private const string Token = "tok-DO-NOT-LEAK-91c4";

    private static readonly int[] Statuses = [400, 401, 403, 429, 500, 503, 418, 502];

    private static readonly Dictionary<string, Func<TokenEndpoint, Task<HttpResponseMessage>>> Outcomes = BuildOutcomes();

    public static TheoryData<string, OrumTokenRequestFormat> Scenarios
    {
        get
        {
            var data = new TheoryData<string, OrumTokenRequestFormat>();
            foreach (var name in Outcomes.Keys)
            {
                data.Add(name, OrumTokenRequestFormat.Json);
                data.Add(name, OrumTokenRequestFormat.Form);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task RequestTokenAsync_AnyOutcome_LeaksNoSecretOrToken(string scenario, OrumTokenRequestFormat format)
    {
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        using var endpoint = new TokenEndpoint(options: TestCredentials.Options(o =>
        {
            o.ClientSecret = Secret;
            o.TokenRequestFormat = format;
        }));
        endpoint.TokenValue = Token;
        endpoint.LoggerFactory = loggerFactory;
        endpoint.Respond(Outcomes[scenario]);
        var texts = new List<string?> { endpoint.Options.ToString() };

        try
        {
            var token = await endpoint.RequestTokenAsync();
            Assert.Equal(Token, token.Value); // the token really came through, so the scan below can find it
            texts.Add(token.ToString());
        }
        catch (OrumAuthException ex)
        {
            texts.AddRange(LeakScanner.TextsOf(ex));
        }

        var records = logs.Collector.GetSnapshot();
        texts.AddRange(LeakScanner.TextsOf(records));

        // Non-vacuous: the secret was really sent, and the logs were really captured.
        Assert.Contains(Secret, Assert.Single(endpoint.Requests).Body, StringComparison.Ordinal);
        Assert.NotEmpty(records);
        Assert.Empty(LeakScanner.FindLeaks(texts, Secret, Token));
    }

    [Fact]
    public void Constructor_InvalidOptionsWithASecret_LeaksNoSecret()
    {
        var cases = new Action<OrumAuthOptions>[]
        {
            o => o.ClientId = null,
            o => o.ApiBaseAddress = new Uri("http://api.orum.io"),
            o => o.VaultBaseAddress = new Uri("vault", UriKind.Relative),
            o => o.TokenRequestTimeout = TimeSpan.Zero,
            o => o.AdditionalAllowedHosts.Add("https://not a host/"),
            o => o.ApiBaseAddress = new Uri($"https://jane:{Secret}@api.orum.io/"),
            o => o.VaultBaseAddress = new Uri($"https://{Secret}@vault.api-sandbox.orum.io/"),
        };
        var texts = new List<string?>();

        foreach (var breakIt in cases)
        {
            var options = TestCredentials.Options(o => o.ClientSecret = Secret);
            breakIt(options);
            using var http = new HttpClient();
            var ex = Assert.Throws<ArgumentException>(() => new OrumAuthClient(http, options));
            texts.AddRange(LeakScanner.TextsOf(ex));
            texts.Add(options.ToString());
        }

        Assert.Empty(LeakScanner.FindLeaks(texts, Secret));
    }

    [Fact]
    public async Task EnsureOrumSuccessAsync_ErrorPageEchoingTheToken_LeaksNoToken()
    {
        using var response = Responses.Text(HttpStatusCode.Unauthorized, "text/html", $"<html>Authorization: Bearer {Token} was rejected</html>");

        var ex = await Assert.ThrowsAsync<OrumUnauthorizedException>(() => response.EnsureOrumSuccessAsync());

        Assert.Empty(LeakScanner.FindLeaks(LeakScanner.TextsOf(ex), Token));
    }

    [Fact]
    public void LeakScanner_SecretAnywhereInTheChain_IsFound()
    {
        // The scan above is only worth something if it can fail.
        var inner = new InvalidOperationException($"inner {Secret}");
        var withData = new OrumAuthException("outer, clean");
        withData.Data["body"] = Token.ToUpperInvariant();
        var nested = new OrumAuthException("outer, clean", new AggregateException(new IOException("clean"), inner));

        Assert.NotEmpty(LeakScanner.FindLeaks(LeakScanner.TextsOf(nested), Secret));
        Assert.NotEmpty(LeakScanner.FindLeaks(LeakScanner.TextsOf(withData), Token));
        Assert.Empty(LeakScanner.FindLeaks(LeakScanner.TextsOf(new OrumAuthException("clean")), Secret, Token));
    }

    private static Dictionary<string, Func<TokenEndpoint, Task<HttpResponseMessage>>> BuildOutcomes()
    {
        var outcomes = new Dictionary<string, Func<TokenEndpoint, Task<HttpResponseMessage>>>(StringComparer.Ordinal)
        {
            ["success"] = e => Task.FromResult(Responses.Token(e.TokenValue)),
            ["network-unreachable"] = _ => Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused (test)")),
            ["network-headers-never-arrive"] = e => e.NeverRespondAsync(),
        };
        foreach (var status in Statuses)
        {
            outcomes[$"status-{status}-orum-body"] = _ => Task.FromResult(
                Responses.OrumError((HttpStatusCode)status, "some_code", "Something failed").WithHeader("Retry-After", "5"));
        }

        foreach (var name in ErrorResponses.All)
        {
            outcomes[$"status-401-{name}"] = e => Task.FromResult(ErrorResponses.Create(name, HttpStatusCode.Unauthorized, e));
        }

        foreach (var name in MalformedTokenResponses.All)
        {
            outcomes[$"malformed-{name}"] = e => Task.FromResult(MalformedTokenResponses.Create(name, e));
        }

        return outcomes;
    }
}
