using System.Globalization;

namespace Cep.Testing;

/// <summary>
/// When an observer subscribed to a test observable and when that subscription was disposed.
/// </summary>
/// <remarks>Same semantics as Microsoft.Reactive.Testing's <c>Subscription</c>; times print with the invariant culture.</remarks>
public readonly struct Subscription : IEquatable<Subscription>
{
    /// <summary>Unsubscription time of a subscription that was never disposed.</summary>
    public const long Infinite = long.MaxValue;

    /// <summary>A subscription made at <paramref name="subscribe"/> and never disposed.</summary>
    public Subscription(long subscribe)
        : this(subscribe, Infinite)
    {
    }

    /// <summary>A subscription made at <paramref name="subscribe"/> and disposed at <paramref name="unsubscribe"/>.</summary>
    public Subscription(long subscribe, long unsubscribe)
    {
        Subscribe = subscribe;
        Unsubscribe = unsubscribe;
    }

    /// <summary>Virtual time of the subscription.</summary>
    public long Subscribe { get; }

    /// <summary>Virtual time of the disposal, or <see cref="Infinite"/>.</summary>
    public long Unsubscribe { get; }

    public bool Equals(Subscription other) => Subscribe == other.Subscribe && Unsubscribe == other.Unsubscribe;

    public override bool Equals(object? obj) => obj is Subscription other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Subscribe, Unsubscribe);

    public static bool operator ==(Subscription left, Subscription right) => left.Equals(right);

    public static bool operator !=(Subscription left, Subscription right) => !left.Equals(right);

    /// <summary><c>(200, 1000)</c>, or <c>(200, Infinite)</c> for a subscription never disposed.</summary>
    public override string ToString() =>
        Unsubscribe == Infinite
            ? string.Create(CultureInfo.InvariantCulture, $"({Subscribe}, Infinite)")
            : string.Create(CultureInfo.InvariantCulture, $"({Subscribe}, {Unsubscribe})");
}
