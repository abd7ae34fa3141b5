namespace Cep.Rules.Events;

/// <summary>
/// The kind of a field's value. <see cref="Missing"/> is the default so that a fresh slot array reads as
/// "not present"; it behaves as <see cref="Null"/> everywhere except <c>exists(field)</c>.
/// </summary>
public enum JsonKind : byte
{
    Missing,
    Null,
    False,
    True,
    Number,
    String,
    Array,
    Object,
}
