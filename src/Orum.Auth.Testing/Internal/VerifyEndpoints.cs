using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Orum.Auth.Testing.Internal;

/// <summary><c>POST /verify/accounts</c>: checks the documented formats and answers with a <c>pending</c> verification.</summary>
internal sealed partial class VerifyEndpoints(SandboxState state)
{
    private const string AccountNumber = "account_number";
    private const string RoutingNumber = "routing_number";
    private const string AccountHolderName = "account_holder_name";

    internal async Task PostAccountAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var body = context.Request.HasJsonContentType()
            ? await SandboxHttp.ReadJsonObjectAsync(context.Request, cancellationToken).ConfigureAwait(false)
            : null;
        if (body is null)
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, SandboxHttp.InvalidBody, "request body must be a JSON object (Content-Type: application/json)", cancellationToken).ConfigureAwait(false);
            return;
        }

        var root = body.RootElement;
        var accountResult = Check(SandboxHttp.ReadRequiredString(root, AccountNumber, out var accountNumber), AccountNumberPattern(), accountNumber);
        if (await SandboxHttp.TryRejectFieldAsync(context, accountResult, AccountNumber, "account_number must be 4 to 17 digits", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var routingResult = Check(SandboxHttp.ReadRequiredString(root, RoutingNumber, out var routingNumber), RoutingNumberPattern(), routingNumber);
        if (await SandboxHttp.TryRejectFieldAsync(context, routingResult, RoutingNumber, "routing_number must be 9 digits", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var holderResult = SandboxHttp.ReadRequiredString(root, AccountHolderName, out var holderName);
        if (await SandboxHttp.TryRejectFieldAsync(context, holderResult, AccountHolderName, "account_holder_name must be a string", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var account = (Id: Guid.NewGuid().ToString(), accountNumber, routingNumber, holderName, Now: SandboxHttp.Timestamp(state.TimeProvider.GetUtcNow()));
        await SandboxHttp.WriteJsonAsync(context, StatusCodes.Status200OK, account, static (writer, created) =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("account");
            writer.WriteString("id", created.Id);
            writer.WriteString(AccountNumber, created.accountNumber);
            writer.WriteString(RoutingNumber, created.routingNumber);
            writer.WriteString(AccountHolderName, created.holderName);
            writer.WriteString("verification_status", "pending");
            writer.WriteString("created_at", created.Now);
            writer.WriteString("updated_at", created.Now);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
    }

    private static FieldResult Check(FieldResult result, Regex pattern, string value) =>
        result == FieldResult.Present && !pattern.IsMatch(value) ? FieldResult.Invalid : result;

    // What API-NOTES.md documents: 4 to 17 digits (nothing else, so no separators).
    [GeneratedRegex(@"^[0-9]{4,17}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AccountNumberPattern();

    [GeneratedRegex(@"^[0-9]{9}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RoutingNumberPattern();
}
