using System.Net.Http.Json;
using System.Text.Json;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>A typed Deliver client as a user would write one: it knows nothing about tokens.</summary>
public sealed class DeliverClient(HttpClient http)
{
    public async Task<long> GetAvailableBalanceAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri("deliver/balance", UriKind.Relative), cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("balance").GetProperty("available").GetInt64();
    }

    public async Task<JsonElement> CreatePersonAsync(string customerReferenceId, string firstName, string lastName, CancellationToken cancellationToken = default)
    {
        var request = new Dictionary<string, string>
        {
            ["customer_reference_id"] = customerReferenceId,
            ["first_name"] = firstName,
            ["last_name"] = lastName,
        };
        using var response = await http.PostAsJsonAsync(new Uri("deliver/persons", UriKind.Relative), request, cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("person").Clone();
    }
}
