using System.Net.Http.Json;

namespace Orum.Auth.WorkerSample;

/// <summary>A typed client for Verify. It shares the Deliver client's credential, and so its cached token.</summary>
public sealed class VerifyClient(HttpClient http)
{
    public async Task<VerifiedAccount> VerifyAccountAsync(string accountNumber, string routingNumber, string accountHolderName, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri("verify/accounts", UriKind.Relative), new VerifyAccount(accountNumber, routingNumber, accountHolderName), DeliverClient.Json, cancellationToken);
        await response.EnsureOrumSuccessAsync(cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<AccountResponse>(DeliverClient.Json, cancellationToken);
        return body?.Account ?? throw new InvalidOperationException("POST /verify/accounts returned no account.");
    }

    private sealed record VerifyAccount(string AccountNumber, string RoutingNumber, string AccountHolderName);

    private sealed record AccountResponse(VerifiedAccount Account);
}

/// <summary>An account verification request and its status.</summary>
public sealed record VerifiedAccount(string Id, string AccountNumber, string RoutingNumber, string VerificationStatus);
