using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace Orum.Auth.Benchmarks;

/// <summary>
/// The targets of the suite, checked against the results of the run that just ended: only ratios of benchmarks
/// measured in the same run are compared, and the time ratios (contended hits, handler, token request, loopback) are
/// measured again in alternating pairs (<see cref="Paired"/>) and judged on those. Printed as a Markdown
/// table and written to <c>results/targets.md</c>.
/// </summary>
internal static class Targets
{
    public static int Check(IEnumerable<Summary> summaries)
    {
        var all = summaries.ToList();
        var results = new Results([.. all.SelectMany(summary => summary.Reports)]);
        var checks = new List<TargetCheck>();
        CacheHit(results, checks);
        ContendedCacheHit(results, checks);
        Handler(results, checks);
        TokenRequest(results, checks);
        ColdStart(results, checks);
        Loopback(results, checks);
        if (checks.Count == 0)
        {
            return 0;
        }

        var table = new StringBuilder()
            .AppendLine("| target | required | measured | met |")
            .AppendLine("|---|---|---|---|");
        foreach (var check in checks)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {check.Target} | {check.Required} | {check.Measured} | {(check.Informational ? "—" : check.Met ? "yes" : "**no**")} |");
        }

        Console.WriteLine();
        Console.WriteLine("// * Orum.Auth targets *");
        Console.WriteLine(table);
        if (all.Count > 0)
        {
            File.WriteAllText(Path.Combine(all[0].ResultsDirectoryPath, "targets.md"), table.ToString());
        }

        return checks.TrueForAll(check => check.Met) ? 0 : 1;
    }

    private static void CacheHit(Results results, List<TargetCheck> checks)
    {
        if (results.Get<CacheHitBenchmarks>(nameof(CacheHitBenchmarks.TokenCache)) is not { } hit
            || results.Get<CacheHitBenchmarks>(nameof(CacheHitBenchmarks.Floor)) is not { } floor)
        {
            return;
        }

        const string target = "1. cache hit";
        checks.Add(new(target, "0 B", Bytes(hit), hit.Bytes == 0));
        checks.Add(new(target, "≤ 1.15x the floor", Ratio(hit, floor), hit.Mean <= floor.Mean * 1.15));
        foreach (var (method, name) in new[]
        {
            (nameof(CacheHitBenchmarks.SemaphoreSlim), "(a) SemaphoreSlim"),
            (nameof(CacheHitBenchmarks.MemoryCache), "(b) IMemoryCache"),
            (nameof(CacheHitBenchmarks.HybridCache), "(c) HybridCache"),
        })
        {
            if (results.Get<CacheHitBenchmarks>(method) is { } other)
            {
                checks.Add(new(target, $"faster than {name}", $"{Ratio(hit, other)} of its time", hit.Mean < other.Mean));
            }
        }
    }

    private static void ContendedCacheHit(Results results, List<TargetCheck> checks)
    {
        var threads = Environment.ProcessorCount;
        if (threads < 2
            || results.Get<ContendedCacheHitBenchmarks>(nameof(ContendedCacheHitBenchmarks.TokenCache), threads) is not { } many
            || results.Get<ContendedCacheHitBenchmarks>(nameof(ContendedCacheHitBenchmarks.TokenCache), 1) is not { } one)
        {
            return;
        }

        var target = $"2. contended hit ({threads} threads)";
        var paired = Paired.ContendedSpeedUp(threads);
        checks.Add(new(target, "≥ 1.8x one thread's throughput", Format($"{paired.Describe()}; BenchmarkDotNet means {one.Mean / many.Mean:0.00}x"), paired.Median >= 1.8));
        checks.Add(new(target, "0 B", Bytes(many), many.Bytes == 0));
        var floor = Paired.ContendedSpeedUp(threads, floor: true);
        checks.Add(new(target, "(shown, not a target) the floor's own speed-up", floor.Describe(), true, Informational: true));
    }

    private static void Handler(Results results, List<TargetCheck> checks)
    {
        const string target = "3. handler overhead";
        var synchronous = HandlerBenchmarks.Terminal.Synchronous;
        foreach (var shape in new[] { HandlerBenchmarks.Shape.TypedClient, HandlerBenchmarks.Shape.AbsoluteUri })
        {
            if (results.Get<HandlerBenchmarks>(nameof(HandlerBenchmarks.OrumBearerTokenHandler), shape, synchronous) is not { } orum
                || results.Get<HandlerBenchmarks>(nameof(HandlerBenchmarks.ConstantHeaders), shape, synchronous) is not { } constant)
            {
                continue;
            }

            var paired = Paired.Handler(shape);
            var measured = Format($"{paired.Describe()}; BenchmarkDotNet means {Ratio(orum, constant)} ({orum.Mean - constant.Mean:+0;-0;0} ns)");
            if (shape == HandlerBenchmarks.Shape.TypedClient)
            {
                checks.Add(new(target, "≤ 1.10x constant headers (a typed client's request)", measured, paired.Median <= 1.10));
                checks.Add(new(target, "≤ the bytes of constant headers", $"{Bytes(orum)} vs {Bytes(constant)}", orum.Bytes <= constant.Bytes));
            }
            else
            {
                // Not a target of its own: the same handler cost over the cheapest request there is (see docs/benchmarks.md).
                checks.Add(new(target, "(shown, not a target) a request on a prepared absolute URI", Format($"{measured}, {orum.Bytes} B vs {constant.Bytes} B"), true, Informational: true));
            }
        }
    }

    private static void TokenRequest(Results results, List<TargetCheck> checks)
    {
        if (results.Get<TokenRequestBenchmarks>(nameof(TokenRequestBenchmarks.IdentityModel)) is not { } identityModel)
        {
            return;
        }

        foreach (var (method, format) in new[] { (nameof(TokenRequestBenchmarks.OrumJson), OrumTokenRequestFormat.Json), (nameof(TokenRequestBenchmarks.OrumForm), OrumTokenRequestFormat.Form) })
        {
            if (results.Get<TokenRequestBenchmarks>(method) is { } orum)
            {
                var target = $"4. token request ({format})";
                var paired = Paired.TokenRequest(format);
                checks.Add(new(target, "less time than IdentityModel", $"{paired.Describe()}; BenchmarkDotNet means {Ratio(orum, identityModel)}", paired.Median < 1));
                checks.Add(new(target, "fewer bytes than IdentityModel", $"{Bytes(orum)} vs {Bytes(identityModel)}", orum.Bytes < identityModel.Bytes));
            }
        }
    }

    private static void ColdStart(Results results, List<TargetCheck> checks)
    {
        if (results.Get<ColdStartBenchmarks>(nameof(ColdStartBenchmarks.TenThousandCallers)) is { } many
            && results.Get<ColdStartBenchmarks>(nameof(ColdStartBenchmarks.OneCaller)) is { } one)
        {
            // One token request per iteration is checked by the benchmark itself (it throws otherwise).
            checks.Add(new("5. cold-start stampede", "≤ 1.5x one request, 1 request", $"{Ratio(many, one)} ({Millis(many)} vs {Millis(one)}), 1 request", many.Mean <= one.Mean * 1.5));
        }
    }

    private static void Loopback(Results results, List<TargetCheck> checks)
    {
        if (results.Get<LoopbackBenchmarks>(nameof(LoopbackBenchmarks.OrumBearerTokenHandler)) is not { } orum
            || results.Get<LoopbackBenchmarks>(nameof(LoopbackBenchmarks.ConstantHeaders)) is not { } constant)
        {
            return;
        }

        var paired = Paired.Loopback();
        checks.Add(new("6. end to end over loopback", "≤ 1.05x constant headers", $"{paired.Describe()}; BenchmarkDotNet means {Ratio(orum, constant)}", paired.Median <= 1.05));
    }

    private static string Ratio(Result measured, Result baseline) => Format($"{measured.Mean / baseline.Mean:0.00}x");

    private static string Bytes(Result result) => Format($"{result.Bytes} B");

    private static string Millis(Result result) => Format($"{result.Mean / 1e6:0.0} ms");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record TargetCheck(string Target, string Required, string Measured, bool Met, bool Informational = false);

    private readonly record struct Result(double Mean, long Bytes);

    private sealed class Results(IReadOnlyList<BenchmarkReport> reports)
    {
        /// <summary>The mean (ns) and bytes per operation of a benchmark, for the given values of its parameters (any order).</summary>
        public Result? Get<TBenchmarks>(string method, params object[] parameters)
        {
            foreach (var report in reports)
            {
                var benchmark = report.BenchmarkCase;
                if (benchmark.Descriptor.Type == typeof(TBenchmarks)
                    && benchmark.Descriptor.WorkloadMethod.Name == method
                    && parameters.All(value => benchmark.Parameters.Items.Any(p => Equals(p.Value, value)))
                    && report.ResultStatistics is { } statistics)
                {
                    return new Result(statistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(benchmark) ?? 0);
                }
            }

            return null;
        }
    }
}
