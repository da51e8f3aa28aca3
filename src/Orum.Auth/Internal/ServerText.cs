using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orum.Auth.Internal;

/// <summary>
/// Makes text a server chose (<c>error_code</c>, <c>message</c>, <c>details</c>, the content type) safe to put in an
/// exception or a log: every spelling of the secret the request carried is replaced with <see cref="Mask"/>, characters
/// that could end a log line or hide text become spaces, and the length is capped.
/// </summary>
/// <remarks>
/// A server or proxy that echoes what it was sent (<c>client_secret 'X' is not valid</c>) would otherwise put the secret
/// into exception messages, and from there into every log that records them; a CR/LF in an <c>error_code</c> would
/// forge a log line, and a 20,000-character one would make a 20,000-character log line.
/// </remarks>
internal sealed class ServerText
{
    /// <summary>What a secret becomes in server text.</summary>
    internal const string Mask = "***";

    /// <summary>The longest <c>error_code</c> kept: Orum's documented codes are under 25 characters.</summary>
    internal const int MaxErrorCodeLength = 64;

    /// <summary>The longest part of Orum's <c>message</c> quoted into an exception's message.</summary>
    internal const int MaxQuotedMessageLength = 200;

    /// <summary>The longest <c>message</c> kept in <see cref="OrumApiException.ErrorMessage"/>, and the longest string
    /// (value or property name) kept in <see cref="OrumApiException.Details"/>.</summary>
    internal const int MaxTextLength = 1000;

    /// <summary>The longest content type kept: real ones are a few dozen characters.</summary>
    internal const int MaxMediaTypeLength = 100;

    /// <summary>What ends text that was cut to its cap.</summary>
    private const string Cut = "…";

    private static readonly ServerText Nothing = new([]);

    /// <summary>The token the bearer handler sent with a request that failed (its <c>ToString()</c> shows no token).</summary>
    internal static readonly HttpRequestOptionsKey<OrumAccessToken> SentToken = new("Orum.Auth.SentToken");

    // Longest first, so a spelling that contains another is masked whole.
    private readonly string[] _spellings;

    private ServerText(string[] spellings) => _spellings = spellings;

    /// <summary>Masks <paramref name="secret"/> (a token request's client secret).</summary>
    internal static ServerText Masking(string? secret) => string.IsNullOrEmpty(secret) ? Nothing : new([.. SpellingsOf([secret])]);

    /// <summary>Masks the bearer token <paramref name="request"/> carried: the parameter of its Authorization header.</summary>
    internal static ServerText MaskingAuthorization(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return Nothing;
        }

        var tokens = new List<string>();

        // The bearer handler takes its header off the request once the send is over, and keeps the token it sent here.
        if (request.Options.TryGetValue(SentToken, out var sent))
        {
            tokens.Add(sent.Value);
        }

        var values = request.Headers.NonValidated.TryGetValues("Authorization", out var header) ? header : default;
        foreach (var value in values)
        {
            // "Bearer <token>": the scheme is no secret; a value without one may be a bare token.
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            var token = (space < 0 ? value : value[(space + 1)..]).Trim();
            if (token.Length > 0)
            {
                tokens.Add(token);
            }
        }

        return tokens.Count == 0 ? Nothing : new([.. SpellingsOf(tokens)]);
    }

    /// <summary>
    /// Returns <paramref name="text"/> with the secret masked, unsafe characters replaced and at most
    /// <paramref name="maxLength"/> characters (then <c>…</c>), or <see langword="null"/> for <see langword="null"/>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    internal string? Clean(string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }

        // Masked first, on the text as it came: replacing characters, or cutting, could break up a secret that is there.
        foreach (var spelling in _spellings)
        {
            text = text.Replace(spelling, Mask, StringComparison.OrdinalIgnoreCase);
        }

        return Shorten(ReplaceUnsafeCharacters(text), maxLength);
    }

    /// <summary>At most <paramref name="maxLength"/> characters of <paramref name="text"/>, never half a surrogate pair.</summary>
    internal static string Shorten(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        return string.Concat(text.AsSpan(0, end), Cut);
    }

    /// <summary>A copy of <paramref name="details"/> in which every string, property names included, is cleaned and capped
    /// at <see cref="MaxTextLength"/>.</summary>
    internal JsonElement Clean(JsonElement details)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(details.GetRawText()));
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(Clean(ReadString(ref reader), MaxTextLength));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(Clean(ReadString(ref reader), MaxTextLength));
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    default:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); // a number, as sent
                        break;
                }
            }
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    // A string whose escapes spell half a surrogate pair cannot become a .NET string: it is kept as it was escaped.
    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    // Control characters (CR, LF, NUL, NEL…), line and paragraph separators and invisible format characters (bidi
    // overrides, zero-width and tag characters) become spaces: a space never joins two pieces of text into one.
    // Half a surrogate pair, which some log sinks and encoders refuse, becomes U+FFFD.
    private static string ReplaceUnsafeCharacters(string text)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var length = 1;
            string? replacement = "\uFFFD";
            if (Rune.TryGetRuneAt(text, i, out var rune))
            {
                length = rune.Utf16SequenceLength;
                replacement = Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                    or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ? " " : null;
            }

            if (replacement is not null)
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                builder.Append(replacement);
            }
            else
            {
                builder?.Append(text, i, length);
            }

            i += length - 1;
        }

        return builder?.ToString() ?? text;
    }

    private static IEnumerable<string> SpellingsOf(IEnumerable<string> secrets)
    {
        var spellings = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var secret in secrets)
        {
            var escaped = Uri.EscapeDataString(secret);
            spellings.Add(secret);
            spellings.Add(escaped);
            spellings.Add(escaped.Replace("%20", "+", StringComparison.Ordinal)); // as FormUrlEncodedContent sends it
            spellings.Add(WebUtility.UrlEncode(secret));
            spellings.Add(JavaScriptEncoder.Default.Encode(secret));                 // as System.Text.Json sends it
            spellings.Add(JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(secret)); // only what JSON requires
        }

        return spellings.OrderByDescending(s => s.Length);
    }
}
