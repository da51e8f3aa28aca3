using System.Diagnostics;
using System.Globalization;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// Ratios that must be read to a few per cent (a handler's cost next to a request's, two threads next to one) drift by
/// more than that on a shared machine between two BenchmarkDotNet runs taken a minute apart. This measures the two sides
/// of such a comparison in alternating blocks (A B B A …), in this process, on the same set-up the benchmark uses, and
/// reports the median of the per-pair ratios: whatever slows the machine down slows both sides of a pair alike.
/// </summary>
internal static class Paired
{
    public const int Pairs = 20;

    /// <summary>The median and the quartiles of <c>time(candidate) / time(baseline)</c> over <see cref="Pairs"/> pairs of blocks.</summary>
    public static PairedRatio Measure(string name, Func<Task> baseline, Func<Task> candidate, int pairs = Pairs)
    {
        // One warm-up pair: JIT, connection pools, caches.
        _ = Time(baseline);
        _ = Time(candidate);

        var ratios = new double[pairs];
        for (var i = 0; i < pairs; i++)
        {
            // A B, then B A: neither side always runs first.
            double a, b;
            if (i % 2 == 0)
            {
                a = Time(baseline);
                b = Time(candidate);
            }
            else
            {
                b = Time(candidate);
                a = Time(baseline);
            }

            ratios[i] = b / a;
        }

        Array.Sort(ratios);
        var result = new PairedRatio(name, Quantile(ratios, 0.5), Quantile(ratios, 0.25), Quantile(ratios, 0.75), pairs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired: {name}: median {result.Median:0.000}x (quartiles {result.Lower:0.000}–{result.Upper:0.000}, {pairs} pairs)"));
        return result;
    }

    // The same total number of hits on one thread and on all of them: time(one) / time(all) is the speed-up. The floor's
    // own speed-up, measured the same way, is what the machine gives any hit.
    public static PairedRatio ContendedSpeedUp(int threads, bool floor = false)
    {
        var one = new ContendedCacheHitBenchmarks { Threads = 1 };
        var all = new ContendedCacheHitBenchmarks { Threads = threads };
        one.SetupAsync().GetAwaiter().GetResult();
        all.SetupAsync().GetAwaiter().GetResult();
        try
        {
            Action hitsOnOne = floor ? one.Floor : one.TokenCache;
            Action hitsOnAll = floor ? all.Floor : all.TokenCache;

            // Eight benchmark calls (8 × 2^20 hits) a block, 40 pairs: a time slice lost to another process is noise.
            return Measure(
                $"{(floor ? "floor" : "TokenCache")} hits, {threads} threads over 1",
                Block(() => Repeat(8, hitsOnAll)),
                Block(() => Repeat(8, hitsOnOne)),
                pairs: 40);
        }
        finally
        {
            one.Cleanup();
            all.Cleanup();
        }
    }

    public static PairedRatio Handler(HandlerBenchmarks.Shape shape)
    {
        const int requests = 100_000;
        var handler = new HandlerBenchmarks { Request = shape, Completes = HandlerBenchmarks.Terminal.Synchronous };
        handler.SetupAsync().GetAwaiter().GetResult();
        try
        {
            return Measure(
                $"handler, {shape}, OrumBearerTokenHandler over constant headers",
                Block(() => Repeat(requests, handler.ConstantHeaders)),
                Block(() => Repeat(requests, handler.OrumBearerTokenHandler)));
        }
        finally
        {
            handler.Cleanup();
        }
    }

    public static PairedRatio TokenRequest(OrumTokenRequestFormat format)
    {
        const int requests = 20_000;
        var tokens = new TokenRequestBenchmarks();
        tokens.Setup();
        try
        {
            Func<Task<string>> orum = format == OrumTokenRequestFormat.Json ? tokens.OrumJson : tokens.OrumForm;
            return Measure($"token request, OrumAuthClient ({format}) over IdentityModel", () => RepeatAsync(requests, tokens.IdentityModel), () => RepeatAsync(requests, orum));
        }
        finally
        {
            tokens.Cleanup();
        }
    }

    public static PairedRatio Loopback()
    {
        var loopback = new LoopbackBenchmarks();
        loopback.SetupAsync().GetAwaiter().GetResult();
        try
        {
            // Each block is the benchmark's own 10,000 requests.
            return Measure("loopback, OrumBearerTokenHandler over constant headers", loopback.ConstantHeaders, loopback.OrumBearerTokenHandler);
        }
        finally
        {
            loopback.CleanupAsync().GetAwaiter().GetResult();
        }
    }

    private static Func<Task> Block(Action action) => () =>
    {
        action();
        return Task.CompletedTask;
    };

    private static void Repeat(int times, Func<HttpResponseMessage> send)
    {
        for (var i = 0; i < times; i++)
        {
            _ = send();
        }
    }

    private static void Repeat(int times, Action action)
    {
        for (var i = 0; i < times; i++)
        {
            action();
        }
    }

    private static async Task RepeatAsync(int times, Func<Task<string>> request)
    {
        for (var i = 0; i < times; i++)
        {
            _ = await request().ConfigureAwait(false);
        }
    }

    private static double Time(Func<Task> block)
    {
        var started = Stopwatch.GetTimestamp();
        block().GetAwaiter().GetResult();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = (sorted.Length - 1) * q;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}

internal sealed record PairedRatio(string Name, double Median, double Lower, double Upper, int Pairs)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Median:0.00}x (paired median; quartiles {Lower:0.00}–{Upper:0.00})");
}
