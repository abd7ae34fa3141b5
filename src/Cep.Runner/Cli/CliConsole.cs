using System.Text;

namespace Cep.Runner.Cli;

/// <summary>
/// What a command talks to: text writers for messages, byte streams for records and standard input, whether
/// standard error is a terminal (live progress), and the interrupt (SIGINT/SIGTERM). Tests pass their own.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error, Stream standardOutput, Stream standardInput, bool errorIsTerminal = false, CancellationToken interrupt = default)
    {
        Out = output;
        Error = error;
        StandardOutput = standardOutput;
        StandardInput = standardInput;
        ErrorIsTerminal = errorIsTerminal;
        Interrupt = interrupt;
    }

    /// <summary>Human-readable results (<c>validate</c>, <c>test</c>, <c>explain</c>).</summary>
    public TextWriter Out { get; }

    /// <summary>Errors, warnings, progress and statistics.</summary>
    public TextWriter Error { get; }

    /// <summary>Records of <c>cep run</c> when there is no <c>--output</c>.</summary>
    public Stream StandardOutput { get; }

    /// <summary>The <c>-</c> input.</summary>
    public Stream StandardInput { get; }

    public bool ErrorIsTerminal { get; }

    public CancellationToken Interrupt { get; }

    public static CliConsole ForProcess(CancellationToken interrupt)
    {
        var stdout = Console.OpenStandardOutput();
        var error = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false)) { AutoFlush = true };
        // Record output bypasses this writer (it writes bytes to stdout); text commands share the stream.
        var output = new StreamWriter(stdout, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true };
        return new CliConsole(
            TextWriter.Synchronized(output),
            TextWriter.Synchronized(error),
            stdout,
            Console.OpenStandardInput(),
            errorIsTerminal: !Console.IsErrorRedirected,
            interrupt);
    }
}
