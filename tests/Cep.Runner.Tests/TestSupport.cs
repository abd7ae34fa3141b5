using System.Diagnostics;
using System.Text;
using Cep.Runner.Cli;
using Cep.Tests.Shared;

namespace Cep.Runner.Tests;

/// <summary>A folder under the temp directory, deleted when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cep-runner-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What a command wrote and returned.</summary>
internal sealed record CliResult(int Exit, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs the command entry point in-process with captured streams (faithful for everything but signals and the real console).</summary>
internal static class CepCli
{
    public static CliResult RunWithStdin(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var stdout = new MemoryStream();
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? ""));
        var exit = CliApp.Run(args, new CliConsole(output, error, stdout, input));
        output.Flush();
        return new CliResult(exit, Encoding.UTF8.GetString(stdout.ToArray()) + output, error.ToString());
    }

    public static CliResult Run(params string[] args) => RunWithStdin(null, args);
}

/// <summary>Runs the built cep.dll as a separate process (for standard input, sockets and signals).</summary>
internal sealed class CepProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public CepProcess(params string[] args)
    {
        var dll = CepRunnerDll.Path;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.Append(e.Data).Append('\n');
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Append(e.Data).Append('\n');
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public StreamWriter Stdin => _process.StandardInput;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits for the process to exit; kills it and fails after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cep did not exit within {timeout}; stderr: {Stderr}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(50);
        }
        return condition();
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable CA5392, SYSLIB1054 // libc is the system library; a source-generated import buys nothing in a test.
    private static extern int Kill(int pid, int signal);
#pragma warning restore CA5392, SYSLIB1054
}

internal static class Signals
{
    public const int SigInt = 2;
    public const int SigTerm = 15;
}
