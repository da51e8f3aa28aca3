using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A minimal HTTP/1.1 token endpoint on a real socket (127.0.0.1, a free port) that counts the connections clients keep
/// open: a connection counts from its accept until the client closes it (a read returns 0 or fails). Answers every
/// request with a keep-alive token response, or holds every request unanswered when <see cref="Hang"/> is set.
/// </summary>
internal sealed class LoopbackTokenServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<TaskCompletionSource> _closedWaiters = [];
    private readonly TaskCompletionSource _requestReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private int _open;
    private int _accepted;
    private int _requests;

    public LoopbackTokenServer()
    {
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    /// <summary>Gets or sets whether requests are read but never answered.</summary>
    public bool Hang { get; set; }

    /// <summary>Gets how many connections clients have open now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Gets how many connections were ever accepted.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Completes when the first request has been read.</summary>
    public Task RequestReceived => _requestReceived.Task;

    /// <summary>Completes once no client connection is open (now, or when the last one closes).</summary>
    public Task AllClosedAsync()
    {
        lock (_gate)
        {
            if (_open == 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _closedWaiters.Add(waiter);
            return waiter.Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_gate)
            {
                _open++;
                _accepted++;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var pending = new StringBuilder();
                while (true)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return; // the client closed the connection
                    }

                    pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    while (TryTakeRequest(pending))
                    {
                        Interlocked.Increment(ref _requests);
                        _requestReceived.TrySetResult();
                        if (!Hang)
                        {
                            await stream.WriteAsync(TokenResponse(), _stop.Token);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset by the client is a close too.
        }
        finally
        {
            Closed();
        }
    }

    private void Closed()
    {
        List<TaskCompletionSource> done = [];
        lock (_gate)
        {
            if (--_open == 0)
            {
                done.AddRange(_closedWaiters);
                _closedWaiters.Clear();
            }
        }

        done.ForEach(w => w.TrySetResult());
    }

    /// <summary>Removes one complete request (headers and Content-Length body) from <paramref name="pending"/>.</summary>
    private static bool TryTakeRequest(StringBuilder pending)
    {
        var text = pending.ToString();
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var length = 0;
        foreach (var line in text[..end].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var total = end + 4 + length;
        if (text.Length < total)
        {
            return false;
        }

        pending.Remove(0, total);
        return true;
    }

    private static byte[] TokenResponse()
    {
        const string Body = """{"access_token":"made-up-loopback-token","token_type":"Bearer","expires_in":3600}""";
        return Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\nConnection: keep-alive\r\n\r\n{Body}");
    }
}
