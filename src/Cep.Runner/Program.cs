using System.Runtime.InteropServices;
using Cep.Runner.Cli;

namespace Cep.Runner;

internal static class Program
{
    private static int Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // SIGINT/SIGTERM end a run cleanly (stop reading, flush, exit 0); a second signal falls through to the default and kills.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, interrupt));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, interrupt));
        return CliApp.Run(args, CliConsole.ForProcess(interrupt.Token));
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupt)
    {
        if (interrupt.IsCancellationRequested)
        {
            return;
        }
        context.Cancel = true;
        interrupt.Cancel();
    }
}
