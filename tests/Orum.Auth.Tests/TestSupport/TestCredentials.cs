namespace Orum.Auth.Tests.TestSupport;

/// <summary>Made-up credentials, tokens and addresses shared by the client tests. None of them is real.</summary>
public static class TestCredentials
{
    public const string ClientId = "test-client-id-2d9c";

    public const string ClientSecret = "test-client-secret-e41b";

    public const string TokenValue = "test-token-5a0f";

    public const string SandboxTokenUrl = "https://api-sandbox.orum.io/oauth/token";

    public const string ProductionTokenUrl = "https://api.orum.io/oauth/token";

    /// <summary>Where the fake clock starts: an arbitrary instant, far from the real one, so a test reading the real clock fails.</summary>
    public static readonly DateTimeOffset Start = new(2031, 3, 14, 9, 26, 53, TimeSpan.Zero);

    /// <summary>Bounds every await that could hang, so a broken implementation fails a test instead of stalling the suite.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    public static OrumAuthOptions Options(Action<OrumAuthOptions>? configure = null)
    {
        var options = new OrumAuthOptions { ClientId = ClientId, ClientSecret = ClientSecret };
        configure?.Invoke(options);
        return options;
    }
}
