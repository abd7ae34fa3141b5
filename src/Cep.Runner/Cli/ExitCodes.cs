namespace Cep.Runner.Cli;

/// <summary>Exit status of every command (SPEC §5).</summary>
internal static class ExitCodes
{
    /// <summary>Done (for <c>test</c>: every case passed).</summary>
    public const int Ok = 0;

    /// <summary>A failure while running (for <c>test</c>: a case failed).</summary>
    public const int Failure = 1;

    /// <summary>Bad usage or invalid rules: nothing was run.</summary>
    public const int Usage = 2;
}
