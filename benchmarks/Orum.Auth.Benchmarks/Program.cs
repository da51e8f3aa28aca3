using BenchmarkDotNet.Running;
using Orum.Auth.Benchmarks;

// Any BenchmarkDotNet arguments: --filter '*CacheHit*', --job short, --list flat, ...
// Every comparison runs in this one process (--inProcess), so the ratios compare like with like on a noisy machine.
// After the run, the targets each benchmark must show are checked against what was measured; a missed target
// makes the exit code 1.
string[] inProcess = args.Any(a => a is "-i" or "--inProcess") ? args : [.. args, "--inProcess"];
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Targets).Assembly).Run(inProcess);
return Targets.Check(summaries);
