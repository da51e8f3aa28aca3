namespace Orum.Auth.Tests.TestSupport;

/// <summary>A body that sends its prefix, then <paramref name="filler"/> forever: only a reader with a size limit ever finishes.</summary>
public sealed class EndlessStream(ReadOnlyMemory<byte> prefix, byte filler = (byte)' ') : ScriptedStream(prefix)
{
    protected override ValueTask<int> ReadAfterPrefixAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        // Small chunks, as a network would deliver them.
        var read = Math.Min(buffer.Length, 4096);
        buffer.Span[..read].Fill(filler);
        return ValueTask.FromResult(read);
    }
}
