using BenchmarkDotNet.Running;
using CircleActors.Config.Benchmarks;

// dotnet run -c Release --project bench/CircleActors.Config.Benchmarks -- --job short --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(ConfigBenchmarks).Assembly).Run(args);
