using System.Reflection;

namespace Cep.Tests.Shared;

/// <summary>The runner as built, for tests that start cep as a process (tests/CepRunnerDll.targets says why not the
/// cep.dll copied beside the tests).</summary>
internal static class CepRunnerDll
{
    public static string Path { get; } = typeof(CepRunnerDll).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CepRunnerDll").Value!;
}
