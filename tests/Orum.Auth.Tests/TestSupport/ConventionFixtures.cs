namespace Orum.Auth.Tests.Fixtures;

// Deliberate violations, used only to prove the convention checks can fail.
#pragma warning disable CA1822, CA1068, CA1064, CA1032
public class UnsealedService
{
    public Task Fetch(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task NoTokenAsync() => Task.CompletedTask;

    public Task TokenFirstAsync(CancellationToken cancellationToken, int value) => Task.FromResult(value);

    public Task GoodAsync(int value, CancellationToken cancellationToken) => Task.FromResult(value);
}

public class CustomException : Exception
{
}
#pragma warning restore CA1822, CA1068, CA1064, CA1032
