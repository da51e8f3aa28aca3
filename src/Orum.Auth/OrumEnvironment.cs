namespace Orum.Auth;

/// <summary>
/// The Orum environment a credential belongs to. It selects the API and vault hosts unless
/// <see cref="OrumAuthOptions.ApiBaseAddress"/> or <see cref="OrumAuthOptions.VaultBaseAddress"/> override them.
/// </summary>
public enum OrumEnvironment
{
    /// <summary>The sandbox: <c>https://api-sandbox.orum.io</c>, vault <c>https://vault.api-sandbox.orum.io</c>.</summary>
    Sandbox = 0,

    /// <summary>Production: <c>https://api.orum.io</c>; the vault host is set with <see cref="OrumAuthOptions.VaultBaseAddress"/>.</summary>
    Production = 1,
}
