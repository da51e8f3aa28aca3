// A generic-host worker: configuration from appsettings.json (or environment variables such as Orum__ClientId), two
// typed clients (Deliver, Verify) sharing one Orum credential, and logging through ILogger.
using Orum.Auth.Testing;
using Orum.Auth.WorkerSample;

var builder = Host.CreateApplicationBuilder(args);

// With the placeholder credentials of appsettings.json, run against a local Orum emulator so `dotnet run` just works.
await using var emulator = IsPlaceholder(builder.Configuration["Orum:ClientId"]) ? await OrumSandboxServer.StartAsync() : null;
if (emulator is not null)
{
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Orum:ClientId"] = emulator.ClientId,
        ["Orum:ClientSecret"] = emulator.ClientSecret,
        ["Orum:ApiBaseAddress"] = emulator.BaseAddress.ToString(),
        ["Orum:VaultBaseAddress"] = emulator.BaseAddress.ToString(),
    });
}

var orumApi = new Uri(builder.Configuration["Orum:ApiBaseAddress"] ?? "https://api-sandbox.orum.io/");
builder.Services.AddOrumAuth(builder.Configuration.GetSection("Orum"));
builder.Services.AddHttpClient<DeliverClient>(http => http.BaseAddress = orumApi).AddOrumBearerTokenHandler();
builder.Services.AddHttpClient<VerifyClient>(http => http.BaseAddress = orumApi).AddOrumBearerTokenHandler();
builder.Services.AddHostedService<Worker>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;

static bool IsPlaceholder(string? clientId) => string.IsNullOrWhiteSpace(clientId) || clientId.StartsWith("your-", StringComparison.Ordinal);
