using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// The ways a server or proxy can echo a secret it was sent: as is, in another case, URL-encoded as a form body or a
/// query sends it, or JSON-escaped as a JSON body sends it.
/// </summary>
public static class Spellings
{
    public static TheoryData<string> Names =>
        ["raw", "upper-case", "lower-case", "form-encoded", "percent-encoded", "percent-encoded-lower-hex", "json-escaped", "json-minimally-escaped"];

    public static string Of(string name, string secret) => name switch
    {
        "raw" => secret,
        "upper-case" => secret.ToUpperInvariant(),
        "lower-case" => secret.ToLowerInvariant(),
        "form-encoded" => WebUtility.UrlEncode(secret),
        "percent-encoded" => Uri.EscapeDataString(secret),
        "percent-encoded-lower-hex" => Uri.EscapeDataString(secret).ToLowerInvariant(),
        "json-escaped" => JsonSerializer.Serialize(secret)[1..^1],
        "json-minimally-escaped" => JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(secret),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a spelling"),
    };

    /// <summary>Every string in <paramref name="element"/>: property names and values, at any depth.</summary>
    public static IEnumerable<string> StringsIn(JsonElement? element)
    {
        if (element is not { } root)
        {
            yield break;
        }

        var pending = new Stack<JsonElement>([root]);
        while (pending.TryPop(out var item))
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    yield return item.GetString()!;
                    break;
                case JsonValueKind.Object:
                    foreach (var property in item.EnumerateObject())
                    {
                        yield return property.Name;
                        pending.Push(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var value in item.EnumerateArray())
                    {
                        pending.Push(value);
                    }

                    break;
            }
        }
    }
}
