using Microsoft.Extensions.Options;

namespace Orum.Auth.Internal;

/// <summary>
/// Builds the credential's token client when its options are validated, so a token pipeline that cannot be kept from
/// following redirects stops the host at start-up (with <c>ValidateOnStart</c>) rather than at the first token request.
/// </summary>
internal sealed class TokenPipelineValidator(string credential, IHttpClientFactory httpClients) : IValidateOptions<OrumAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, OrumAuthOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, credential, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            httpClients.CreateClient(OrumAuthDefaults.GetTokenHttpClientName(credential)).Dispose();
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is InvalidOperationException)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
