using System.Globalization;

namespace Orum.Auth.Internal;

/// <summary>
/// Reads how long Orum asks callers to wait: <c>Retry-After</c> (seconds or an HTTP date) and <c>X-Retry-In</c>
/// (a duration such as <c>1.5s</c>, <c>350ms</c>, <c>1m2.5s</c>, or plain seconds). Garbage is ignored, never thrown.
/// </summary>
internal static class RetryAfterParser
{
    internal const string XRetryIn = "X-Retry-In";

    // Nothing Orum documents waits longer than its 10-minute firewall block; a day bounds absurd values.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>The longer of the two headers' waits, or null when neither holds a usable value.</summary>
    internal static TimeSpan? Parse(HttpResponseMessage response, TimeProvider timeProvider)
    {
        TimeSpan? retryAfter = null;
        if (response.Headers.TryGetValues("Retry-After", out var values))
        {
            retryAfter = ParseRetryAfter(values.FirstOrDefault(), timeProvider);
        }

        TimeSpan? retryIn = null;
        if (response.Headers.TryGetValues(XRetryIn, out var retryInValues))
        {
            retryIn = ParseDuration(retryInValues.FirstOrDefault());
        }

        return (retryAfter, retryIn) switch
        {
            ({ } a, { } b) => a >= b ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };
    }

    internal static TimeSpan? ParseRetryAfter(string? value, TimeProvider timeProvider)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds > MaxWait.TotalSeconds ? MaxWait : TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > MaxWait ? MaxWait : wait;
        }

        return null;
    }

    /// <summary>Parses a Go-style duration (<c>1h2m3.5s</c>, <c>350ms</c>) or plain seconds.</summary>
    internal static TimeSpan? ParseDuration(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.AsSpan().Trim();
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var plainSeconds))
        {
            return Clamp(plainSeconds);
        }

        double total = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return null;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            double? unitSeconds = text[unitStart..i] switch
            {
                "h" => 3600,
                "m" => 60,
                "s" => 1,
                "ms" => 1e-3,
                "us" or "µs" or "μs" => 1e-6,
                "ns" => 1e-9,
                _ => null,
            };
            if (unitSeconds is null)
            {
                return null;
            }

            total += number * unitSeconds.Value;
        }

        return Clamp(total);
    }

    private static TimeSpan? Clamp(double seconds) =>
        double.IsFinite(seconds) && seconds >= 0
            ? seconds >= MaxWait.TotalSeconds ? MaxWait : TimeSpan.FromSeconds(seconds)
            : null;
}
