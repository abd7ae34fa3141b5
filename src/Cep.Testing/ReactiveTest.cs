using System.Reactive;

namespace Cep.Testing;

/// <summary>
/// Factories for recorded notifications and subscriptions, and the default virtual times of
/// <see cref="TestScheduler.Start{T}(Func{IObservable{T}})"/>. Import with <c>using static Cep.Testing.ReactiveTest;</c>.
/// </summary>
/// <remarks>
/// Microsoft.Reactive.Testing's <c>ReactiveTest</c> is a base class tests inherit from; here it is a static class so
/// test classes stay free to choose their own base, and <c>using static</c> gives the same call sites.
/// </remarks>
public static class ReactiveTest
{
    /// <summary>Default virtual time at which <see cref="TestScheduler.Start{T}(Func{IObservable{T}})"/> creates the sequence.</summary>
    public const long Created = 100;

    /// <summary>Default virtual time at which the sequence is subscribed to.</summary>
    public const long Subscribed = 200;

    /// <summary>Default virtual time at which the subscription is disposed.</summary>
    public const long Disposed = 1000;

    /// <summary>An OnNext of <paramref name="value"/> at <paramref name="ticks"/>.</summary>
    public static Recorded<Notification<T>> OnNext<T>(long ticks, T value) =>
        new(ticks, Notification.CreateOnNext(value));

    /// <summary>
    /// Expects an OnNext at <paramref name="ticks"/> whose value satisfies <paramref name="predicate"/>.
    /// Only valid as an expectation; test observables reject it.
    /// </summary>
    public static Recorded<Notification<T>> OnNext<T>(long ticks, Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new(ticks, new OnNextPredicate<T>(predicate));
    }

    /// <summary>An OnCompleted at <paramref name="ticks"/>.</summary>
    public static Recorded<Notification<T>> OnCompleted<T>(long ticks) =>
        new(ticks, Notification.CreateOnCompleted<T>());

    /// <summary>An OnCompleted at <paramref name="ticks"/>; <paramref name="witness"/> only fixes <typeparamref name="T"/> (anonymous types).</summary>
    public static Recorded<Notification<T>> OnCompleted<T>(long ticks, T witness)
    {
        _ = witness;
        return new(ticks, Notification.CreateOnCompleted<T>());
    }

    /// <summary>An OnError of <paramref name="exception"/> at <paramref name="ticks"/>.</summary>
    public static Recorded<Notification<T>> OnError<T>(long ticks, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(ticks, Notification.CreateOnError<T>(exception));
    }

    /// <summary>
    /// Expects an OnError at <paramref name="ticks"/> whose exception satisfies <paramref name="predicate"/>.
    /// Only valid as an expectation; test observables reject it.
    /// </summary>
    public static Recorded<Notification<T>> OnError<T>(long ticks, Func<Exception, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new(ticks, new OnErrorPredicate<T>(predicate));
    }

    /// <summary>A subscription made at <paramref name="start"/> and disposed at <paramref name="end"/>.</summary>
    public static Subscription Subscribe(long start, long end) => new(start, end);

    /// <summary>A subscription made at <paramref name="start"/> and never disposed.</summary>
    public static Subscription Subscribe(long start) => new(start);
}
