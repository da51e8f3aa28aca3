namespace Orum.Auth.Internal;

/// <summary>
/// Closes the token clients' connections when the container is disposed. HttpClientFactory disposes a primary handler
/// (and with it the pooled sockets) only once its lifetime has expired and it has been garbage collected, not when the
/// service provider is disposed (dotnet/runtime#113494): without this, a disposed app would keep its connection to the
/// token endpoint open for minutes.
/// </summary>
/// <remarks>
/// It sees the primary handler the factory chose when <c>AddOrumAuth</c> registered the credential (the default one, or
/// one configured through <c>ConfigureHttpClientDefaults</c>), which the factory owns and would dispose anyway. A handler
/// an app sets later with <c>TokenHttpClient.ConfigurePrimaryHttpMessageHandler</c> replaces it and stays the app's.
/// Handlers are held weakly, so the ones the factory rotates out are collected as before.
/// </remarks>
internal sealed class TokenConnectionOwner : IDisposable
{
    private readonly object _gate = new();
    private readonly List<WeakReference<HttpMessageHandler>> _handlers = [];
    private bool _disposed;

    internal void Own(HttpMessageHandler handler)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _handlers.RemoveAll(static h => !h.TryGetTarget(out _));
                _handlers.Add(new WeakReference<HttpMessageHandler>(handler));
                return;
            }
        }

        // Built while the container is being disposed: nothing will use it.
        handler.Dispose();
    }

    public void Dispose()
    {
        List<HttpMessageHandler> alive = [];
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var reference in _handlers)
            {
                if (reference.TryGetTarget(out var handler))
                {
                    alive.Add(handler);
                }
            }

            _handlers.Clear();
        }

        foreach (var handler in alive)
        {
            handler.Dispose();
        }
    }
}
