using System.Buffers;

namespace Orum.Auth.Internal;

/// <summary>
/// A response body read into a pooled buffer, never more than <see cref="MaxBytes"/>: a hostile or broken server cannot
/// make the client buffer megabytes, and a body that is too large is refused without being read to the end.
/// </summary>
internal readonly struct LimitedBody : IDisposable
{
    internal const int MaxBytes = 64 * 1024;

    private readonly byte[]? _buffer;

    private LimitedBody(byte[]? buffer, int length, bool tooLarge)
    {
        _buffer = buffer;
        Length = length;
        TooLarge = tooLarge;
    }

    internal int Length { get; }

    internal bool TooLarge { get; }

    internal ReadOnlySpan<byte> Span => _buffer is null ? default : _buffer.AsSpan(0, Length);

    internal static async Task<LimitedBody> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is > MaxBytes)
        {
            return new LimitedBody(null, 0, tooLarge: true);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var length = 0;
                while (length <= MaxBytes)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(length, MaxBytes + 1 - length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return new LimitedBody(buffer, length, tooLarge: false);
                    }

                    length += read;
                }

                ArrayPool<byte>.Shared.Return(buffer);
                return new LimitedBody(null, 0, tooLarge: true);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
