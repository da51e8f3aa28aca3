using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Orum.Auth.Testing.Internal;

/// <summary>Serves the faults that replace a token response (all but <see cref="SandboxFaultKind.Delay"/>, which only waits).</summary>
internal static class SandboxFaults
{
    internal static async Task WriteAsync(HttpContext context, OrumSandboxFault fault, CancellationToken cancellationToken)
    {
        switch (fault.Kind)
        {
            case SandboxFaultKind.Status:
                if (fault.Duration is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    context.Response.Headers["X-Retry-In"] = GoDuration(retryAfter);
                }

                await SandboxHttp.WriteErrorAsync(context, fault.StatusCode, fault.ErrorCode!, fault.Message!, cancellationToken).ConfigureAwait(false);
                break;

            case SandboxFaultKind.DropConnection:
                context.Abort();
                break;

            case SandboxFaultKind.TruncatedBody:
                await WriteTruncatedAsync(context, cancellationToken).ConfigureAwait(false);
                break;

            case SandboxFaultKind.Html:
                await WriteHtmlAsync(context, fault.StatusCode, cancellationToken).ConfigureAwait(false);
                break;

            default:
                throw new InvalidOperationException($"The fault {fault} is not served as a response.");
        }
    }

    /// <summary>Orum documents <c>X-Retry-In</c> as a duration with millisecond precision, Go style: <c>350ms</c>, <c>1.5s</c>.</summary>
    internal static string GoDuration(TimeSpan value) =>
        value < TimeSpan.FromSeconds(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Round(value.TotalMilliseconds)}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s");

    private static async Task WriteTruncatedAsync(HttpContext context, CancellationToken cancellationToken)
    {
        // Read the request first: closing a socket with unread input resets it, and the client would lose the headers too.
        await context.Request.Body.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            TokenEndpoint.WriteToken(writer, TokenStore.NewOpaqueToken(), TimeSpan.FromHours(1));
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = SandboxHttp.JsonContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory[..(buffer.WrittenCount / 2)], cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        // Returning now, short of Content-Length, makes Kestrel end the connection after what was written (an abort could
        // reset it before the client has even read the headers).
    }

    private static async Task WriteHtmlAsync(HttpContext context, int statusCode, CancellationToken cancellationToken)
    {
        var status = string.Create(CultureInfo.InvariantCulture, $"{statusCode} {ReasonPhrases.GetReasonPhrase(statusCode)}").TrimEnd();
        var page = Encoding.UTF8.GetBytes(
            $"<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/html";
        context.Response.ContentLength = page.Length;
        await context.Response.Body.WriteAsync(page, cancellationToken).ConfigureAwait(false);
    }
}
