namespace Orum.Auth.Tests.TestSupport;

internal static class Completed
{
    /// <summary>Asserts a token arrived synchronously (a cache hit: no waiting, no state machine) and returns it.</summary>
    public static OrumAccessToken Token(ValueTask<OrumAccessToken> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully, "expected an already completed ValueTask (a cache hit)");
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException();
    }
}
