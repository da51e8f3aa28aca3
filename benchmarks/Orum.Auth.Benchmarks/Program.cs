using BenchmarkDotNet.Running;
using Orum.Auth.Benchmarks;

// Any BenchmarkDotNet arguments: --filter '*CacheHit*', --job short, --list flat, ...
// After the run, the targets each benchmark must show are checked against what was measured; a missed target
// makes the exit code 1.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Targets).Assembly).Run(args);
return Targets.Check(summaries);
