namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A read-only, non-seekable response body (so HttpContent cannot know its length) whose reads a test scripts:
/// see <see cref="HangingStream"/>, <see cref="BreakingStream"/> and <see cref="EndlessStream"/>.
/// </summary>
public abstract class ScriptedStream : Stream
{
    private ReadOnlyMemory<byte> _prefix;

    protected ScriptedStream(ReadOnlyMemory<byte> prefix)
    {
        _prefix = prefix;
    }

    /// <summary>Gets how many bytes the reader has taken so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int read;
        if (!_prefix.IsEmpty)
        {
            read = Math.Min(buffer.Length, _prefix.Length);
            _prefix[..read].CopyTo(buffer);
            _prefix = _prefix[read..];
        }
        else
        {
            read = await ReadAfterPrefixAsync(buffer, cancellationToken);
        }

        BytesRead += read;
        return read;
    }

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous reads would block a thread on a scripted hang: the client must read asynchronously.
    public sealed override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The client must read the response body asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>What happens once the prefix has been read.</summary>
    protected abstract ValueTask<int> ReadAfterPrefixAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
