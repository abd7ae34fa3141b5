using BenchmarkDotNet.Running;
using Cep.Benchmarks.WholeRun;

namespace Cep.Benchmarks;

internal static class Program
{
    private const string Usage = """
        usage: Cep.Benchmarks whole-run [--smoke] [options]   seeded workloads W1–W5, four W1 implementations side by side
               Cep.Benchmarks micro [BenchmarkDotNet args]     micro-benchmarks of the hot paths (e.g. --filter '*' --inProcess)
               Cep.Benchmarks whole-run --help                 options of whole-run
               Cep.Benchmarks profile-w1 [engine|hand-coded] [disorderMs] [seconds]   W1 alone in a loop, for a profiler
               Cep.Benchmarks state [PENDING]                    checkpoint/restore of PENDING partial matches (default 1 000 000)
        """;

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        switch (args[0])
        {
            case "whole-run" when args.Length > 1 && args[1] is "-h" or "--help":
                Console.WriteLine(WholeRunOptions.Usage);
                return 0;
            case "whole-run":
                return WholeRunCommand.Run(args[1..]);
            case "profile-w1":
                return ProfileCommand.Run(args[1..]);
            case "state":
                return State.CheckpointBench.Run(args[1..]);
            case "micro":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }
}
