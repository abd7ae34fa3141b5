using System.Reactive;

namespace Cep.Testing;

/// <summary>
/// An expectation, not a notification: equal to any actual notification of its kind that satisfies the predicate.
/// Made by <see cref="ReactiveTest.OnNext{T}(long, Func{T, bool})"/> and <see cref="ReactiveTest.OnError{T}(long, Func{Exception, bool})"/>;
/// it only works on the expected side of an assertion (the comparison is <c>expected.Equals(actual)</c>).
/// </summary>
/// <remarks>
/// Unlike Microsoft.Reactive.Testing, <see cref="Kind"/> answers truthfully so that an ordinary notification compared
/// against a predicate of another kind fails cleanly instead of throwing, and test observables reject predicates up
/// front. Reading <see cref="Value"/> still throws: an ordinary OnNext compared against a predicate OnNext (a predicate
/// on the actual side) is a mistake in the test, and the message says how to fix it.
/// </remarks>
internal abstract class PredicateNotification<T> : Notification<T>
{
    public override T Value =>
        throw new InvalidOperationException(
            "A predicate notification is an expectation and carries no value; it belongs on the expected side of "
            + "AssertEqual (actual.AssertEqual(expected...)), never among the actual messages.");

    public override bool HasValue => false;

    public override Exception? Exception => null;

    public override void Accept(IObserver<T> observer) => throw NotReplayable();

    public override TResult Accept<TResult>(IObserver<T, TResult> observer) => throw NotReplayable();

    public override void Accept(Action<T> onNext, Action<Exception> onError, Action onCompleted) => throw NotReplayable();

    public override TResult Accept<TResult>(Func<T, TResult> onNext, Func<Exception, TResult> onError, Func<TResult> onCompleted) =>
        throw NotReplayable();

    public override int GetHashCode() => (int)Kind;

    private static NotSupportedException NotReplayable() =>
        new("A predicate notification is an expectation for assertions and cannot be delivered to an observer.");
}

internal sealed class OnNextPredicate<T>(Func<T, bool> predicate) : PredicateNotification<T>
{
    public override NotificationKind Kind => NotificationKind.OnNext;

    public override bool Equals(Notification<T>? other) =>
        ReferenceEquals(this, other)
        || (other is not null and not PredicateNotification<T> && other.Kind == NotificationKind.OnNext && predicate(other.Value));

    public override int GetHashCode() => base.GetHashCode();

    public override string ToString() => "OnNext(<predicate>)";
}

internal sealed class OnErrorPredicate<T>(Func<Exception, bool> predicate) : PredicateNotification<T>
{
    public override NotificationKind Kind => NotificationKind.OnError;

    public override bool Equals(Notification<T>? other) =>
        ReferenceEquals(this, other)
        || (other is not null and not PredicateNotification<T> && other.Kind == NotificationKind.OnError && predicate(other.Exception!));

    public override int GetHashCode() => base.GetHashCode();

    public override string ToString() => "OnError(<predicate>)";
}
