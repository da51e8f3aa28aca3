using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>What a <see cref="LoopbackHttpServer"/> received: the request line, the headers and the body.</summary>
public sealed record ReceivedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Authorization => Headers.GetValueOrDefault("Authorization");
}

/// <summary>
/// A minimal HTTP/1.1 server on a real socket, on any loopback address (<c>127.0.0.1</c> and <c>127.0.0.2</c> are
/// different hosts to a client, and each server's port is a different origin). It records every request and answers
/// from <c>respond</c>, one connection per request (<c>Connection: close</c>), so what a client sends to which origin
/// is seen exactly as it went over the wire.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ReceivedRequest, string> _respond;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private LoopbackHttpServer(IPAddress address, Func<ReceivedRequest, string> respond)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _respond = respond;
        BaseAddress = new Uri($"http://{address}:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Gets <c>http://{address}:{port}/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the requests received so far, in order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>Starts a server on <paramref name="address"/> (a loopback address) and a free port.</summary>
    /// <param name="address">Where to listen, such as <c>"127.0.0.2"</c>.</param>
    /// <param name="respond">The whole response (status line, headers, body) for a request; see <see cref="Response"/>.</param>
    public static LoopbackHttpServer Start(string address, Func<ReceivedRequest, string> respond) => new(IPAddress.Parse(address), respond);

    /// <summary>A complete HTTP/1.1 response that closes the connection.</summary>
    public static string Response(int status, string body = "", params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder($"HTTP/1.1 {status} Status\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (body.Length > 0)
        {
            text.Append("Content-Type: application/json\r\n");
        }

        text.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\nConnection: close\r\n\r\n").Append(body);
        return text.ToString();
    }

    /// <summary>A redirect to <paramref name="location"/>.</summary>
    public static string Redirect(int status, Uri location) =>
        Response(status, headers: ("Location", location.IsAbsoluteUri ? location.AbsoluteUri : location.OriginalString));

    /// <summary>Orum's 401 for a missing or refused token.</summary>
    public static string Unauthorized() => Response(401, """{"error_code":"unauthorized","message":"Unauthorized"}""");

    /// <summary>A token response issuing <paramref name="token"/> for an hour.</summary>
    public static string Token(string token) =>
        Response(200, $$"""{"access_token":"{{token}}","token_type":"Bearer","expires_in":3600}""");

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
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                if (await ReadRequestAsync(stream) is not { } request)
                {
                    return;
                }

                _requests.Enqueue(request);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(_respond(request)), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private async Task<ReceivedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        int end;
        while ((end = IndexOfHeaderEnd(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return null;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var head = Encoding.ASCII.GetString([.. received.Take(end)]).Split("\r\n");
        var requestLine = head[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
            }
        }

        var length = headers.TryGetValue("Content-Length", out var declared) ? int.Parse(declared, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var body = received.Skip(end + 4).ToList();
        while (body.Count < length)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                break;
            }

            body.AddRange(buffer.AsSpan(0, read));
        }

        return new ReceivedRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", headers, Encoding.UTF8.GetString([.. body]));
    }

    private static int IndexOfHeaderEnd(List<byte> received)
    {
        for (var i = 0; i + 3 < received.Count; i++)
        {
            if (received[i] == '\r' && received[i + 1] == '\n' && received[i + 2] == '\r' && received[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
