using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cep.Benchmarks.Workloads;

namespace Cep.Benchmarks.WholeRun;

/// <summary>What one run of the runner as a process produced and cost.</summary>
/// <remarks><see cref="Cpu"/> is sampled from /proc every 20 ms, so it may miss the last few milliseconds.</remarks>
internal sealed record ProcessRun(TimeSpan Elapsed, TimeSpan Cpu, long PeakRssBytes, int ExitCode, string StandardError);

/// <summary>
/// (2) Cep end-to-end: the W1 rule as YAML, the workload as a JSON Lines file, the built cep.dll run as a
/// process with its records written to files, which are read back and compared.
/// </summary>
internal static class EndToEndOrderTimeout
{
    /// <summary>W1's rule: event time from <c>ts</c> (with <paramref name="disorderMs"/> of out-of-orderness), or
    /// processing time; <paramref name="neverMatch"/> gives its first step a condition no event satisfies.</summary>
    public static string RuleYaml(long windowMs, long disorderMs, bool neverMatch = false, bool processingTime = false)
    {
        var time = processingTime ? ""
            : disorderMs > 0
            ? $"time:\n  field: ts\n  outOfOrderness: {disorderMs}ms"
            : "time:\n  field: ts";
        var create = neverMatch ? "type == 'never'" : "type == 'create'";
        return string.Create(CultureInfo.InvariantCulture, $"""
            rule: w1-order-timeout
            description: W1 of the benchmark suite (bench/Cep.Benchmarks).
            key: orderId
            {time}
            pattern:
              - begin: create
                where: {create}
              - followedBy: pay
                where: type == 'pay'
            within: {windowMs}ms
            onTimeout: timeouts

            """);
    }

    /// <summary>The repository root (the folder holding Cep.sln), searched upwards from the benchmark's binaries.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cep.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>cep.dll: the explicit path, else $CEP_DLL, else the runner's Release then Debug build output.</summary>
    public static string? LocateCep(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable("CEP_DLL");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment) ? fromEnvironment : null;
        }
        var root = RepositoryRoot();
        if (root is null)
        {
            return null;
        }
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var candidate = Path.Combine(root, "src", "Cep.Runner", "bin", configuration, "net10.0", "cep.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs <c>dotnet cep.dll ARGS</c>, sampling its peak resident set from /proc while it runs.</summary>
    public static ProcessRun RunCep(string cepDll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cepDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var childrenBefore = ChildrenCpu();
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        long peak = 0;
        var cpu = TimeSpan.Zero;
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakRss(process.Id));
            cpu = Max(cpu, CpuTime(process.Id));
            if (stopwatch.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"cep run took longer than {timeout.TotalSeconds:F0} s");
            }
        }
        stopwatch.Stop();
        _ = stdout.Result;
        // The kernel's account of the reaped child is exact; the /proc samples miss its last milliseconds (a
        // start-up-sized run of 0.15 s could lose a tenth of its CPU time that way).
        var childrenAfter = ChildrenCpu();
        if (childrenAfter > childrenBefore)
        {
            cpu = childrenAfter - childrenBefore;
        }
        return new ProcessRun(stopwatch.Elapsed, cpu, peak, process.ExitCode, stderr.Result);
    }

    /// <summary>User + system CPU time of every child process this process has waited for (getrusage RUSAGE_CHILDREN); zero where unavailable.</summary>
    private static TimeSpan ChildrenCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return TimeSpan.Zero;
        }
        try
        {
            return NativeMethods.getrusage(NativeMethods.RusageChildren, out var usage) == 0
                ? TimeSpan.FromTicks(((usage.UserSeconds + usage.SystemSeconds) * TimeSpan.TicksPerSecond) + ((usage.UserMicroseconds + usage.SystemMicroseconds) * 10))
                : TimeSpan.Zero;
        }
        catch (DllNotFoundException)
        {
            return TimeSpan.Zero;
        }
        catch (EntryPointNotFoundException)
        {
            return TimeSpan.Zero;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>utime + stime of a live process from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private static long PeakRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read: keep the last sample.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }

    /// <summary>Reads the runner's match and timeout records back as outcomes (key = orderId, time = decision time).</summary>
    public static void ReadRecords(string path, OutcomeCollector collector)
    {
        if (!File.Exists(path))
        {
            return;
        }
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString();
            var kind = type switch
            {
                "match" => OutcomeKind.Match,
                "timeout" => OutcomeKind.Timeout,
                _ => throw new InvalidDataException($"unexpected record type '{type}' in {path}: {line}"),
            };
            var key = root.GetProperty("key");
            var orderId = key.ValueKind == JsonValueKind.Number
                ? key.GetInt64()
                : long.Parse(key.GetString()!, CultureInfo.InvariantCulture);
            collector.Add(new Outcome(orderId, kind, root.GetProperty("time").GetInt64()));
        }
    }
}

internal static class NativeMethods
{
    public const int RusageChildren = -1;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs this benchmark does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private RusageRest _rest;
    }

    [InlineArray(14)]
    private struct RusageRest
    {
        private long _first;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int getrusage(int who, out Rusage usage);
}
