using System.Net.Http.Json;
using System.Text.Json;

namespace Orum.Auth.QuickStart;

/// <summary>A typed Deliver client, as you would write one: it knows nothing about tokens.</summary>
public sealed class DeliverClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri("deliver/balance", UriKind.Relative), cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken); // Orum's errors as typed exceptions
        var body = await response.Content.ReadFromJsonAsync<BalanceResponse>(Json, cancellationToken);
        return body?.Balance ?? throw new InvalidOperationException("GET /deliver/balance returned no balance.");
    }

    private sealed record BalanceResponse(Balance Balance);
}

/// <summary>An Orum balance; amounts are in cents.</summary>
public sealed record Balance(long Available, long Pending, string Currency);
