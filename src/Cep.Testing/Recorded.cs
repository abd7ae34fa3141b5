using System.Globalization;

namespace Cep.Testing;

/// <summary>
/// A value together with the virtual time at which it was produced or is to be produced.
/// </summary>
/// <remarks>
/// Same shape and equality as Microsoft.Reactive.Testing's <c>Recorded&lt;T&gt;</c>. Differences: <see cref="ToString"/>
/// formats the time with the invariant culture, and equality compares <c>this.Value</c> against
/// <c>other.Value</c> in that order, which is what lets predicate notifications on the expected side match.
/// </remarks>
/// <typeparam name="T">Type of the value, usually <see cref="System.Reactive.Notification{T}"/>.</typeparam>
public readonly struct Recorded<T> : IEquatable<Recorded<T>>
{
    /// <summary>Records <paramref name="value"/> at virtual time <paramref name="time"/>.</summary>
    public Recorded(long time, T value)
    {
        Time = time;
        Value = value;
    }

    /// <summary>Virtual time (ticks; milliseconds by Cep's convention) of the record.</summary>
    public long Time { get; }

    /// <summary>The recorded value.</summary>
    public T Value { get; }

    /// <summary>Equal when the times are equal and the values are equal by <see cref="EqualityComparer{T}.Default"/>.</summary>
    public bool Equals(Recorded<T> other) =>
        Time == other.Time && EqualityComparer<T>.Default.Equals(Value, other.Value);

    public override bool Equals(object? obj) => obj is Recorded<T> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Time, Value);

    public static bool operator ==(Recorded<T> left, Recorded<T> right) => left.Equals(right);

    public static bool operator !=(Recorded<T> left, Recorded<T> right) => !left.Equals(right);

    /// <summary><c>Value@Time</c>, for example <c>OnNext(42)@210</c>.</summary>
    public override string ToString() =>
        (Value?.ToString() ?? "null") + "@" + Time.ToString(CultureInfo.InvariantCulture);
}
