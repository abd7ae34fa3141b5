using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cep.Benchmarks.WholeRun;

/// <summary>Markdown written to the console as it is produced, and kept for <c>--report PATH</c>.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public void Line(string text = "")
    {
        Console.WriteLine(text);
        _text.Append(text).Append('\n');
    }

    public void Table(string[] header, IEnumerable<string[]> rows)
    {
        TableHeader(header);
        foreach (var row in rows)
        {
            TableRow(row);
        }
        Line();
    }

    /// <summary>For tables whose rows take long to compute: header now, each row as it is known.</summary>
    public void TableHeader(string[] header)
    {
        Line("| " + string.Join(" | ", header) + " |");
        Line("|" + string.Concat(header.Select(h => "---|")));
    }

    public void TableRow(string[] row) => Line("| " + string.Join(" | ", row) + " |");

    public void Save(string path) => File.WriteAllText(path, _text.ToString());

    /// <summary>nproc, CPU model, memory, runtime, date and commit: what a figure needs to be compared with another.</summary>
    public void Machine(IReadOnlyList<string> commandLine)
    {
        var cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
            // Not Linux: the model stays unknown.
        }
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Line($"- machine: {Environment.ProcessorCount} logical cores (nproc), {cpu}, {memory / (1L << 30)} GiB available to the GC");
        Line($"- runtime: .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
             $"server GC {System.Runtime.GCSettings.IsServerGC}, GC latency mode {System.Runtime.GCSettings.LatencyMode}");
        Line($"- load average at start (1/5/15 min, other work on the machine): {LoadAverage()}");
        Line($"- date: {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; commit: {Commit()}");
        Line($"- command: `dotnet run -c Release --project bench/Cep.Benchmarks -- {string.Join(' ', commandLine)}`");
        Line();
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Commit()
    {
        try
        {
            var root = EndToEndOrderTimeout.RepositoryRoot();
            if (root is null)
            {
                return "unknown";
            }
            var start = new ProcessStartInfo("git", ["-C", root, "rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = Process.Start(start);
            if (git is null)
            {
                return "unknown";
            }
            var head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            start.ArgumentList.Clear();
            foreach (var a in new[] { "-C", root, "status", "--porcelain", "--", "src", "bench" })
            {
                start.ArgumentList.Add(a);
            }
            using var status = Process.Start(start);
            var dirty = status is not null && status.StandardOutput.ReadToEnd().Trim().Length > 0;
            status?.WaitForExit();
            return dirty ? head + " (with uncommitted changes in src/ or bench/)" : head;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (git not found)";
        }
    }

    public static string Rate(double perSecond) => perSecond switch
    {
        >= 1e6 => (perSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (perSecond / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " K",
        _ => perSecond.ToString("F0", CultureInfo.InvariantCulture),
    };

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (1 << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (bytes / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        _ => bytes.ToString("F0", CultureInfo.InvariantCulture) + " B",
    };

    public static string F(double value, int digits = 1) => value.ToString("F" + digits, CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
