using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Sits innermost on the token HttpClient and notes every <c>access_token</c> the sandbox sends, as the client reads it
/// (whole or, for a truncated body, the part that arrived), without changing what the client sees.
/// </summary>
public sealed partial class TokenCapture(ConcurrentQueue<string> tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var original = response.Content;
        var teed = new StreamContent(new TeeStream(await original.ReadAsStreamAsync(cancellationToken), original, tokens));
        foreach (var header in original.Headers)
        {
            teed.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = teed;
        return response;
    }

    [GeneratedRegex("\"access_token\"\\s*:\\s*\"([A-Za-z0-9_-]+)")]
    private static partial Regex AccessToken();

    private sealed class TeeStream(Stream inner, HttpContent owner, ConcurrentQueue<string> tokens) : Stream
    {
        private readonly MemoryStream _copy = new();
        private int _noted;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Copy(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                var read = await inner.ReadAsync(buffer, cancellationToken);
                return Copy(buffer.Span[..read]);
            }
            catch
            {
                Note();
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Note();
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Copy(ReadOnlySpan<byte> read)
        {
            _copy.Write(read);
            if (read.Length == 0)
            {
                Note();
            }

            return read.Length;
        }

        private void Note()
        {
            if (Interlocked.Exchange(ref _noted, 1) == 0 && AccessToken().Match(Encoding.UTF8.GetString(_copy.ToArray())) is { Success: true } match)
            {
                tokens.Enqueue(match.Groups[1].Value);
            }
        }
    }
}
