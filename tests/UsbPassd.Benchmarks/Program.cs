using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// `daemon [BEFORE] AFTER`: the event pipeline, then usbpassd's process figures per build, alternately in one run
// (a readable report, not BenchmarkDotNet).
if (args is ["daemon", .. var builds] && builds.Length > 0)
{
    return await UsbPassd.Benchmarks.DaemonFigures.RunAsync(builds);
}

// `rpc [BEFORE] AFTER`: request latency and throughput on the socket per build, against an echo-server floor.
if (args is ["rpc", .. var daemons] && daemons.Length > 0)
{
    return await UsbPassd.Benchmarks.RpcFigures.RunAsync(daemons);
}

// `hostile BINARY...`: issue 12's figures (memory under a flood, root under held connections, wrong answers) per daemon.
if (args is ["hostile", .. var binaries] && binaries.Length > 0)
{
    return await UsbPassd.Benchmarks.HostileFigures.RunAsync(binaries);
}

// `start USBPASSD USBPASSCTL MINIMAL_HOST HELLO`: start-up figures as ratios to NativeAOT yardsticks (tests/reference).
if (args is ["start", string usbpassd, string usbpassctl, string minimalHost, string hello])
{
    return await UsbPassd.Benchmarks.StartFigures.RunAsync(usbpassd, usbpassctl, minimalHost, hello);
}

// `commit`: issue 14's per-commit figures (registry statements, allocations, gen0 GCs) in this process.
if (args is ["commit"])
{
    return UsbPassd.Benchmarks.CommitFigures.Run();
}

// `fleet`: issue 15's fleet scale (a real Placement, 1,000 hosts × 10 devices, 1,000 placements by 20 schedulers).
if (args is ["fleet"])
{
    return await UsbPassd.Benchmarks.FleetFigures.RunAsync();
}

// `placement`: issue 15's sync figures (change → Placement, Placement down and back) on the shipped daemon and a real Placement.
if (args is ["placement"])
{
    return await UsbPassd.Benchmarks.PlacementFigures.RunAsync();
}

// In-process: the mirror serves the packages this project restored, and nothing more is built.
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15))
    .WithArtifactsPath(Path.Combine(UsbPassd.Testing.Corpus.RepositoryRoot, "build", "benchmarks"))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(UsbPassd.Benchmarks.ScanBenchmarks).Assembly).Run(args, config);
return 0;
