using System.Collections.Concurrent;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>Records the media type of every request body it passes on, unchanged.</summary>
public sealed class RecordingHandler : DelegatingHandler
{
    public ConcurrentQueue<string?> MediaTypes { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        MediaTypes.Enqueue(request.Content?.Headers.ContentType?.MediaType);
        return base.SendAsync(request, cancellationToken);
    }
}
