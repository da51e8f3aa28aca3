using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Orum.Auth.Testing.Internal;

/// <summary>
/// <c>POST /oauth/token</c> as <c>oauth-token.openapi.yaml</c> declares it: a JSON or form body with <c>client_id</c> and
/// <c>client_secret</c>; 400 with the spec's field codes and messages; 401 <c>unauthorized</c> for a wrong pair; 200 with an
/// opaque token. A queued <see cref="OrumSandboxFault"/> replaces the answer.
/// </summary>
internal sealed class TokenEndpoint(SandboxState state)
{
    private const string ClientIdField = "client_id";
    private const string ClientSecretField = "client_secret";

    internal async Task HandleAsync(HttpContext context)
    {
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        var fault = state.TryDequeueFault();

        // The delay's timer exists before the request is counted: a test that waits for the count and then advances a
        // fake clock can never advance it too early.
        var delay = fault is { Kind: SandboxFaultKind.Delay, Duration: { } wait }
            ? Task.Delay(wait, state.TimeProvider, aborted.Token)
            : null;
        state.CountTokenRequest();

        try
        {
            if (delay is not null)
            {
                await delay.ConfigureAwait(false);
            }
            else if (fault is not null)
            {
                await SandboxFaults.WriteAsync(context, fault, aborted.Token).ConfigureAwait(false);
                return;
            }

            await AnswerAsync(context, aborted.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up or the server is stopping: there is no one left to answer.
            context.Abort();
        }
    }

    private async Task AnswerAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = await ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (request.BodyIsInvalid)
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, SandboxHttp.InvalidBody, "request body must be a JSON object or a form", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await SandboxHttp.TryRejectFieldAsync(context, request.ClientIdResult, ClientIdField, "client_id must be a string", cancellationToken).ConfigureAwait(false)
            || await SandboxHttp.TryRejectFieldAsync(context, request.ClientSecretResult, ClientSecretField, "client_secret must be a string", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!state.Accepts(request.ClientId, request.ClientSecret))
        {
            await SandboxHttp.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, OrumErrorCodes.Unauthorized, "Unauthorized", cancellationToken).ConfigureAwait(false);
            return;
        }

        var token = state.Tokens.Issue();
        context.Response.Headers.CacheControl = "no-store";
        await SandboxHttp.WriteJsonAsync(context, StatusCodes.Status200OK, (token, state.Tokens.Lifetime), static (writer, issued) => WriteToken(writer, issued.token, issued.Lifetime), cancellationToken).ConfigureAwait(false);
    }

    internal static void WriteToken(Utf8JsonWriter writer, string token, TimeSpan lifetime)
    {
        writer.WriteStartObject();
        writer.WriteString("access_token", token);
        writer.WriteString("token_type", "Bearer");
        writer.WriteNumber("expires_in", lifetime.TotalSeconds);
        writer.WriteEndObject();
    }

    private static async Task<TokenRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasJsonContentType())
        {
            using var document = await SandboxHttp.ReadJsonObjectAsync(request, cancellationToken).ConfigureAwait(false);
            if (document is null)
            {
                return TokenRequest.Invalid;
            }

            var idResult = SandboxHttp.ReadRequiredString(document.RootElement, ClientIdField, out var clientId);
            var secretResult = SandboxHttp.ReadRequiredString(document.RootElement, ClientSecretField, out var clientSecret);
            return new TokenRequest(false, idResult, clientId, secretResult, clientSecret);
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException)
            {
                return TokenRequest.Invalid;
            }

            var idResult = ReadFormField(form, ClientIdField, out var clientId);
            var secretResult = ReadFormField(form, ClientSecretField, out var clientSecret);
            return new TokenRequest(false, idResult, clientId, secretResult, clientSecret);
        }

        // No body, or a content type the endpoint does not read: the fields are missing, as they would be for Orum.
        return new TokenRequest(false, FieldResult.Missing, string.Empty, FieldResult.Missing, string.Empty);
    }

    private static FieldResult ReadFormField(IFormCollection form, string name, out string value)
    {
        value = string.Empty;
        if (!form.TryGetValue(name, out var values) || values.Count == 0)
        {
            return FieldResult.Missing;
        }

        if (values.Count > 1)
        {
            return FieldResult.Invalid;
        }

        value = values[0] ?? string.Empty;
        return value.Length == 0 ? FieldResult.Missing : FieldResult.Present;
    }

    private readonly record struct TokenRequest(bool BodyIsInvalid, FieldResult ClientIdResult, string ClientId, FieldResult ClientSecretResult, string ClientSecret)
    {
        internal static TokenRequest Invalid => new(true, FieldResult.Missing, string.Empty, FieldResult.Missing, string.Empty);
    }
}
