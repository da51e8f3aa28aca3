using System.Net.Http.Json;
using System.Text.Json;

namespace Orum.Auth.WorkerSample;

/// <summary>A typed client for a few Deliver endpoints. Tokens and Orum-Version come from the handler, not from here.</summary>
public sealed class DeliverClient(HttpClient http)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<Balance> GetBalanceAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("deliver/balance", UriKind.Relative), cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<BalanceResponse>(Json, cancellationToken);
        return body?.Balance ?? throw new InvalidOperationException("GET /deliver/balance returned no balance.");
    }

    public async Task<Person> CreatePersonAsync(string customerReferenceId, string firstName, string lastName, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri("deliver/persons", UriKind.Relative), new CreatePerson(customerReferenceId, firstName, lastName), Json, cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<PersonResponse>(Json, cancellationToken);
        return body?.Person ?? throw new InvalidOperationException("POST /deliver/persons returned no person.");
    }

    private sealed record BalanceResponse(Balance Balance);

    private sealed record CreatePerson(string CustomerReferenceId, string FirstName, string LastName);

    private sealed record PersonResponse(Person Person);
}

/// <summary>An Orum balance; amounts are in cents.</summary>
public sealed record Balance(long Available, long Pending, string Currency);

/// <summary>A Deliver person.</summary>
public sealed record Person(string Id, string CustomerReferenceId, string FirstName, string LastName, string Status);
