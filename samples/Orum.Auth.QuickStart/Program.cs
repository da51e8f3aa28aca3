// The Orum.Auth quick start: a typed Deliver client that never thinks about tokens.
// With ORUM_CLIENT_ID and ORUM_CLIENT_SECRET set it calls Orum's sandbox; otherwise a local emulator, with no account.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orum.Auth;
using Orum.Auth.QuickStart;
using Orum.Auth.Testing;

var clientId = Environment.GetEnvironmentVariable("ORUM_CLIENT_ID");
var clientSecret = Environment.GetEnvironmentVariable("ORUM_CLIENT_SECRET");
await using var emulator = string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(clientSecret) ? await OrumSandboxServer.StartAsync() : null;
Console.WriteLine(emulator is null ? "Calling Orum's sandbox." : "Calling a local Orum emulator (set ORUM_CLIENT_ID and ORUM_CLIENT_SECRET to call Orum's sandbox).");

// <quickstart>
var services = new ServiceCollection();
var orum = services.AddOrumAuth(options =>
{
    options.ClientId = clientId;                  // from your secret store
    options.ClientSecret = clientSecret;
    emulator?.ConfigureFor(options);              // no credentials: the local emulator instead
});
services.AddHttpClient<DeliverClient>(http => http.BaseAddress = emulator?.BaseAddress ?? new Uri("https://api-sandbox.orum.io/"))
    .AddOrumBearerTokenHandler();                 // Authorization and Orum-Version on every request
// </quickstart>
orum.TokenHttpClient.AddHttpMessageHandler(() => new TokenRequestCounter()); // only to print how many token requests were made
await using var provider = services.BuildServiceProvider();

try
{
    var token = await provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync();
    var minutes = (token.ExpiresAt - TimeProvider.System.GetUtcNow()).TotalMinutes;
    Console.WriteLine($"Token expires at {token.ExpiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'} (in {minutes:0} min)");

    const int Calls = 10;
    var deliver = provider.GetRequiredService<DeliverClient>();
    Balance balance = await deliver.GetBalanceAsync();
    for (var call = 2; call <= Calls; call++)
    {
        balance = await deliver.GetBalanceAsync();
    }

    Console.WriteLine($"Balance: {balance.Available / 100m:N2} {balance.Currency} available");
    Console.WriteLine($"{Calls} Deliver calls used {TokenRequestCounter.Count} token request{(TokenRequestCounter.Count == 1 ? "" : "s")}");
    return 0;
}
catch (Exception ex) when (ex is OrumAuthException or HttpRequestException or OptionsValidationException or OperationCanceledException or System.Text.Json.JsonException or InvalidOperationException)
{
    Console.Error.WriteLine($"The quick start failed: {ex.Message}");
    return 1;
}
