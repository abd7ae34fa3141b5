using System.Diagnostics;
using System.Text;
using Cep.Tests.Shared;

namespace Cep.State.Tests.Runner;

/// <summary>Runs the real <c>cep</c> executable, as built, as a child process.</summary>
internal static class CepProcess
{
    /// <summary>Process-level tests run one at a time: their timings assume the machine is not busy with another.</summary>
    public const string Collection = "cep processes";

    private static readonly string CepDll = CepRunnerDll.Path;

    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CepDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    /// <summary>Runs to completion; returns exit code and standard error.</summary>
    public static (int Exit, string Stderr) Run(string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args, out var stderr);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cep {string.Join(' ', args)} did not finish in 60 s");
        }

        process.WaitForExit();
        return (process.ExitCode, stderr.ToString());
    }

    /// <summary>
    /// Waits until <paramref name="path"/> has a line containing <paramref name="text"/>: the runner flushes its
    /// outputs whenever it goes idle, so a probe record shows that every line before it was processed.
    /// </summary>
    public static void WaitForLine(string path, string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                if (reader.ReadToEnd().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"no line with '{text}' in {path} after {timeout}");
    }

    /// <summary>Sends a POSIX signal (TERM, INT) the way a service manager or a terminal would.</summary>
    public static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Starts cep; standard error is collected into <paramref name="stderr"/>, standard output discarded.</summary>
    public static Process Start(string workingDirectory, IEnumerable<string> args, out StringBuilder stderr, bool keepStdinOpen = false)
    {
        var process = new Process { StartInfo = StartInfo(workingDirectory, args) };
        var collected = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (collected)
                {
                    collected.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        if (!keepStdinOpen)
        {
            process.StandardInput.Close();
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        stderr = collected;
        return process;
    }
}
