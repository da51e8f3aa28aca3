using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orum.Auth.Testing.Internal;

/// <summary>Reading and writing the sandbox's JSON by hand (Utf8JsonWriter, JsonDocument): no reflection, trimming-safe.</summary>
internal static class SandboxHttp
{
    internal const string JsonContentType = "application/json";

    /// <summary>Not an Orum code: Orum does not document its answer to a body that is not JSON, so the sandbox names it plainly.</summary>
    internal const string InvalidBody = "invalid_body";

    internal static async Task WriteJsonAsync<TState>(HttpContext context, int statusCode, TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, state);
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Orum's <c>ErrorResponse</c>: <c>{"error_code", "message", "details": null}</c>.</summary>
    internal static Task WriteErrorAsync(HttpContext context, int statusCode, string errorCode, string message, CancellationToken cancellationToken) =>
        WriteJsonAsync(context, statusCode, (errorCode, message), static (writer, error) =>
        {
            writer.WriteStartObject();
            writer.WriteString("error_code", error.errorCode);
            writer.WriteString("message", error.message);
            writer.WriteNull("details");
            writer.WriteEndObject();
        }, cancellationToken);

    /// <summary>Orum's timestamp format: UTC, whole seconds, <c>2023-11-07T05:31:56Z</c>.</summary>
    internal static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads a JSON body; <see langword="null"/> when it is not a JSON object (the caller answers <see cref="InvalidBody"/>).</summary>
    internal static async Task<JsonDocument?> ReadJsonObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return null;
        }

        return document;
    }

    /// <summary>
    /// Reads a required string field the way Orum's spec declares it: absent, <c>null</c> or <c>""</c> is missing
    /// (<c>missing_&lt;field&gt;</c>); any other non-string is invalid (<c>invalid_&lt;field&gt;</c>).
    /// </summary>
    internal static FieldResult ReadRequiredString(JsonElement body, string name, out string value)
    {
        value = string.Empty;
        if (!body.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return FieldResult.Missing;
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            return FieldResult.Invalid;
        }

        value = property.GetString()!;
        return value.Length == 0 ? FieldResult.Missing : FieldResult.Present;
    }

    /// <summary>Answers 400 <c>missing_&lt;field&gt;</c> or <c>invalid_&lt;field&gt;</c>; false when the field is present.</summary>
    internal static async Task<bool> TryRejectFieldAsync(HttpContext context, FieldResult result, string name, string invalidMessage, CancellationToken cancellationToken)
    {
        switch (result)
        {
            case FieldResult.Missing:
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"missing_{name}", $"{name} is required", cancellationToken).ConfigureAwait(false);
                return true;
            case FieldResult.Invalid:
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid_{name}", invalidMessage, cancellationToken).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }
}

internal enum FieldResult
{
    Present,
    Missing,
    Invalid,
}
