using System.Collections;
using Microsoft.Extensions.Logging.Testing;

namespace Orum.Auth.Tests.TestSupport;

/// <summary>Collects every string an exception or a log record shows, and finds secrets in them.</summary>
public static class LeakScanner
{
    /// <summary>Message, ToString, Data and the package's own string properties, for the exception and every inner one.</summary>
    public static IEnumerable<string> TextsOf(Exception exception)
    {
        yield return exception.ToString();
        foreach (var ex in Chain(exception))
        {
            yield return ex.Message;
            yield return ex.ToString();
            foreach (DictionaryEntry entry in ex.Data)
            {
                yield return $"{entry.Key}={entry.Value}";
            }

            if (ex is OrumInvalidResponseException { ContentType: { } contentType })
            {
                yield return contentType;
            }
        }
    }

    /// <summary>The formatted message, the exception and every structured value of each log record.</summary>
    public static IEnumerable<string> TextsOf(IEnumerable<FakeLogRecord> records)
    {
        foreach (var record in records)
        {
            yield return record.Message;
            if (record.Exception is { } exception)
            {
                foreach (var text in TextsOf(exception))
                {
                    yield return text;
                }
            }

            foreach (var pair in record.StructuredState ?? [])
            {
                yield return $"{pair.Key}={pair.Value}";
            }
        }
    }

    /// <summary>The texts that contain any of <paramref name="secrets"/> (ordinal, ignoring case).</summary>
    public static IReadOnlyList<string> FindLeaks(IEnumerable<string?> texts, params string[] secrets) =>
        [.. texts.Where(t => t is not null && secrets.Any(s => t.Contains(s, StringComparison.OrdinalIgnoreCase)))!];

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var ex))
        {
            yield return ex;
            if (ex is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (ex.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
