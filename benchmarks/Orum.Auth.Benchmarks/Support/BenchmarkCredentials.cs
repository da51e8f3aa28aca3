namespace Orum.Auth.Benchmarks.Support;

/// <summary>Made-up credentials and the options every benchmark shares.</summary>
internal static class BenchmarkCredentials
{
    public const string ClientId = "bench-client-id";
    public const string ClientSecret = "bench-client-secret";
    public const string TokenValue = "bench-access-token-0123456789abcdef";

    public static readonly Uri ApiBaseAddress = new("https://api-sandbox.orum.io/");

    public static readonly Uri BalanceUri = new(ApiBaseAddress, "deliver/balance");

    public static OrumAuthOptions Options(OrumTokenRequestFormat format = OrumTokenRequestFormat.Json) =>
        new() { ClientId = ClientId, ClientSecret = ClientSecret, TokenRequestFormat = format };
}
