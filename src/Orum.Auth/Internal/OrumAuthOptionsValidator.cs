using Microsoft.Extensions.Options;

namespace Orum.Auth.Internal;

/// <summary>
/// Checks one credential's options and names the offending setting the way the user wrote it: <c>Orum:ClientId</c>
/// for a configuration section, <c>OrumAuthOptions.ClientId</c> for options set in code.
/// </summary>
internal sealed class OrumAuthOptionsValidator(string? name, string settingPrefix, char separator) : IValidateOptions<OrumAuthOptions>
{
    private static readonly TimeSpan MaxRefreshBeforeExpiry = TimeSpan.FromDays(1);
    internal static readonly TimeSpan MaxTokenRequestTimeout = TimeSpan.FromMinutes(10);

    private readonly string? _name = name;

    internal static OrumAuthOptionsValidator ForCode(string? name = null) =>
        new(name, string.IsNullOrEmpty(name) ? nameof(OrumAuthOptions) : $"{nameof(OrumAuthOptions)}[{name}]", '.');

    public ValidateOptionsResult Validate(string? name, OrumAuthOptions options)
    {
        if (name is not null && !string.Equals(name, _name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// For constructors given options in code: throws <see cref="ArgumentException"/> for <paramref name="paramName"/>,
    /// its message naming every bad setting with the start-up validation's words (<c>OrumAuthOptions.ExpiryMargin must
    /// be …</c>), or <see cref="ArgumentNullException"/> when <paramref name="options"/> is <see langword="null"/>.
    /// </summary>
    /// <param name="options">The options to check.</param>
    /// <param name="paramName">The constructor's parameter, for <see cref="ArgumentException.ParamName"/>.</param>
    /// <param name="requireCredential">Whether <see cref="OrumAuthOptions.ClientId"/> and
    /// <see cref="OrumAuthOptions.ClientSecret"/> are required: only what sends them needs them.</param>
    internal static void ThrowIfInvalidArgument(OrumAuthOptions options, string paramName, bool requireCredential)
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        var failures = ForCode().GetFailures(options, requireCredential);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), paramName);
        }
    }

    private List<string> GetFailures(OrumAuthOptions options, bool requireCredential = true)
    {
        var failures = new List<string>();
        if (requireCredential && string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.ClientId))} is required: the client id of your Orum API credential.");
        }

        if (requireCredential && string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.ClientSecret))} is required: the client secret of your Orum API credential.");
        }

        if (!Enum.IsDefined(options.Environment))
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.Environment))} must be Sandbox or Production.");
        }

        CheckAddress(options.ApiBaseAddress, nameof(OrumAuthOptions.ApiBaseAddress), failures);
        CheckAddress(options.VaultBaseAddress, nameof(OrumAuthOptions.VaultBaseAddress), failures);

        if (options.RefreshBeforeExpiry < TimeSpan.Zero || options.RefreshBeforeExpiry > MaxRefreshBeforeExpiry)
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.RefreshBeforeExpiry))} must be between 00:00:00 and 1.00:00:00.");
        }

        if (options.ExpiryMargin < TimeSpan.Zero || options.ExpiryMargin > MaxRefreshBeforeExpiry)
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.ExpiryMargin))} must be between 00:00:00 and 1.00:00:00.");
        }

        if (options.TokenRequestTimeout <= TimeSpan.Zero || options.TokenRequestTimeout > MaxTokenRequestTimeout)
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.TokenRequestTimeout))} must be more than 00:00:00 and at most 00:10:00.");
        }

        if (!string.IsNullOrEmpty(options.ApiVersion) && !IsHeaderToken(options.ApiVersion))
        {
            failures.Add($"{Setting(nameof(OrumAuthOptions.ApiVersion))} must be a plain header value such as \"{OrumAuthOptions.DefaultApiVersion}\".");
        }

        for (var i = 0; i < options.AdditionalAllowedHosts.Count; i++)
        {
            if (!OrumOrigin.TryParseHost(options.AdditionalAllowedHosts[i], out _))
            {
                failures.Add(
                    $"{Setting(nameof(OrumAuthOptions.AdditionalAllowedHosts))}{Index(i)} must be a host name such as \"api.example.com\", " +
                    "with a port when it is not 443 (\"api.example.com:8443\", \"[::1]:8443\"), without a scheme, path or user name.");
            }
        }

        return failures;
    }

    private void CheckAddress(Uri? address, string property, List<string> failures)
    {
        if (address is null)
        {
            return;
        }

        if (!address.IsAbsoluteUri)
        {
            failures.Add($"{Setting(property)} must be an absolute address such as https://api-sandbox.orum.io.");
        }
        else if (address.UserInfo.Length > 0)
        {
            // Never echoed: it is a password. Orum authenticates with the client id and secret, not the address.
            failures.Add($"{Setting(property)} must not contain a user name or password: Orum authenticates with the client id and secret.");
        }
        else if (!OrumHosts.IsSecureOrLoopback(address))
        {
            failures.Add($"{Setting(property)} must use HTTPS (plain HTTP is allowed only for loopback hosts): tokens must never travel in clear text.");
        }
        else if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
        {
            failures.Add($"{Setting(property)} must not have a query or fragment.");
        }
    }

    private static bool IsHeaderToken(string value)
    {
        foreach (var c in value)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private string Setting(string property) => settingPrefix.Length == 0 ? property : $"{settingPrefix}{separator}{property}";

    private string Index(int i) => separator == ':' ? $":{i}" : $"[{i}]";
}
