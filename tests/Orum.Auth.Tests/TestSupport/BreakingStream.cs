namespace Orum.Auth.Tests.TestSupport;

/// <summary>A body that sends its prefix, then fails the way a dropped connection does: with an <see cref="IOException"/>.</summary>
public sealed class BreakingStream(ReadOnlyMemory<byte> prefix) : ScriptedStream(prefix)
{
    protected override ValueTask<int> ReadAfterPrefixAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        ValueTask.FromException<int>(new IOException("The response ended prematurely (test: connection reset by peer)."));
}
