namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// Parses an application/x-www-form-urlencoded body the way a server does ('+' is a space, then percent-decoding),
/// independently of how the client encoded it.
/// </summary>
public static class FormBody
{
    /// <summary>The fields of <paramref name="body"/>; a repeated field throws, so a test cannot miss it.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string body) =>
        body.Split('&')
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => Decode(pair[0]), pair => pair.Length == 2 ? Decode(pair[1]) : string.Empty, StringComparer.Ordinal);

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
