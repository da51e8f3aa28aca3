using System.Net.Http.Json;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>A user's typed client for Orum Deliver, as a new user would write it.</summary>
public sealed class DeliverClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public Task<BalanceResponse?> GetBalanceAsync(CancellationToken cancellationToken = default) =>
        Http.GetFromJsonAsync<BalanceResponse>("/deliver/balance", cancellationToken);
}

/// <summary>The part of Orum's <c>GET /deliver/balance</c> answer the tests read.</summary>
public sealed record BalanceResponse(Balance Balance);

public sealed record Balance(long Available, string Currency);
