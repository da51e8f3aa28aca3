using Microsoft.Extensions.Options;

namespace Orum.Auth.Internal;

/// <summary>
/// Builds the credential's token pipeline when its options are validated and checks the handler that really sends, so a
/// pipeline that would follow a redirect (a primary handler that can no longer be changed, or one an app's own handler
/// filter put in place after Orum.Auth's) stops the host at start-up (with <c>ValidateOnStart</c>), not at the first
/// token request.
/// </summary>
internal sealed class TokenPipelineValidator(string credential, IHttpMessageHandlerFactory handlers) : IValidateOptions<OrumAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, OrumAuthOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, credential, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var clientName = OrumAuthDefaults.GetTokenHttpClientName(credential);
        HttpMessageHandler pipeline;
        try
        {
            // The factory's own, pooled chain: not disposed here.
            pipeline = handlers.CreateHandler(clientName);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is InvalidOperationException)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }

        var terminal = TokenClientRedirects.Terminal(pipeline);
        return TokenClientRedirects.FollowsRedirects(terminal)
            ? ValidateOptionsResult.Fail(TokenClientRedirects.CannotTurnOff(clientName, terminal, "was put in place after Orum.Auth turned redirects off"))
            : ValidateOptionsResult.Success;
    }
}
