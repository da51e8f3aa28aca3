using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Orum.Auth.Testing.Internal;

/// <summary>
/// The Deliver and Verify endpoints, each behind the checks Orum documents for them: a known, unexpired, unrevoked Bearer
/// token (else 401 <c>unauthorized</c>), then <c>Orum-Version: v2022-09-21</c> (else 400 <c>version_missing</c> or
/// <c>version_invalid</c>).
/// </summary>
internal sealed class ApiEndpoints(SandboxState state)
{
    private const string BearerPrefix = "Bearer ";

    private readonly DeliverEndpoints _deliver = new(state);
    private readonly VerifyEndpoints _verify = new(state);

    internal void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/deliver/balance", Guard(_deliver.GetBalanceAsync));
        app.MapGet("/deliver/persons", Guard(_deliver.GetPersonsAsync));
        app.MapPost("/deliver/persons", Guard(_deliver.PostPersonAsync));
        app.MapPost("/verify/accounts", Guard(_verify.PostAccountAsync));
    }

    private RequestDelegate Guard(Func<HttpContext, CancellationToken, Task> handler) => async context =>
    {
        state.CountApiRequest();
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        var cancellationToken = aborted.Token;

        if (!IsAuthorized(context.Request))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, OrumErrorCodes.Unauthorized, "Unauthorized", cancellationToken).ConfigureAwait(false);
            return;
        }

        var version = context.Request.Headers["Orum-Version"];
        if (version.Count == 0 || string.IsNullOrEmpty(version[0]))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, OrumErrorCodes.VersionMissing, "Orum-Version header is required", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (version.Count > 1 || !string.Equals(version[0], OrumAuthOptions.DefaultApiVersion, StringComparison.Ordinal))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, OrumErrorCodes.VersionInvalid, "Orum-Version header is invalid", cancellationToken).ConfigureAwait(false);
            return;
        }

        await handler(context, cancellationToken).ConfigureAwait(false);
    };

    private bool IsAuthorized(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } value
            || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = value.AsSpan(BearerPrefix.Length).Trim();
        return token.Length > 0 && state.Tokens.IsValid(token.ToString());
    }
}
