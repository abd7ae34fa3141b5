namespace Cep.Testing;

/// <summary>
/// Thrown by <see cref="ReactiveAssert"/> when a sequence differs from the expected one. The message carries the
/// element-by-element diff; any test framework reports it as an ordinary failure.
/// </summary>
/// <remarks>Cep.Testing does not reference a test framework, so this replaces xunit's assertion exception that Rx uses.</remarks>
public sealed class ReactiveAssertException : Exception
{
    public ReactiveAssertException()
        : base("Reactive assertion failed.")
    {
    }

    public ReactiveAssertException(string message)
        : base(message)
    {
    }

    public ReactiveAssertException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
