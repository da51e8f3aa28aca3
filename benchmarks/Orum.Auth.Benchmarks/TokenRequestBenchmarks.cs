using BenchmarkDotNet.Attributes;
using Duende.IdentityModel.Client;
using Orum.Auth.Benchmarks.Support;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Target 4: one token exchange, request built, sent to an in-memory endpoint and response parsed, costs less time and
/// fewer bytes through <see cref="OrumAuthClient"/> (JSON or form) than through Duende.IdentityModel's
/// <c>RequestClientCredentialsTokenAsync</c> (credentials in the form body, as Orum takes them).
/// </summary>
[MemoryDiagnoser]
public class TokenRequestBenchmarks
{
    private static readonly string TokenEndpoint = new Uri(BenchmarkCredentials.ApiBaseAddress, "oauth/token").ToString();

    private HttpClient _http = null!;
    private OrumAuthClient _json = null!;
    private OrumAuthClient _form = null!;

    [GlobalSetup]
    public void Setup()
    {
        _http = new HttpClient(new CannedTokenEndpoint());
        _json = new OrumAuthClient(_http, BenchmarkCredentials.Options(OrumTokenRequestFormat.Json));
        _form = new OrumAuthClient(_http, BenchmarkCredentials.Options(OrumTokenRequestFormat.Form));
    }

    [GlobalCleanup]
    public void Cleanup() => _http.Dispose();

    [Benchmark(Baseline = true, Description = "IdentityModel RequestClientCredentialsTokenAsync")]
    public async Task<string> IdentityModel()
    {
        using var request = new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = BenchmarkCredentials.ClientId,
            ClientSecret = BenchmarkCredentials.ClientSecret,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        };
        var response = await _http.RequestClientCredentialsTokenAsync(request).ConfigureAwait(false);
        return response.IsError ? throw new InvalidOperationException(response.Error) : response.AccessToken!;
    }

    [Benchmark(Description = "OrumAuthClient (JSON)")]
    public async Task<string> OrumJson() => (await _json.RequestTokenAsync().ConfigureAwait(false)).Value;

    [Benchmark(Description = "OrumAuthClient (form)")]
    public async Task<string> OrumForm() => (await _form.RequestTokenAsync().ConfigureAwait(false)).Value;
}
