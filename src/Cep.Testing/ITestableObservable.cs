using System.Reactive;

namespace Cep.Testing;

/// <summary>An observable made by <see cref="TestScheduler"/> that replays scripted notifications and records subscriptions.</summary>
/// <remarks>
/// Unlike Microsoft.Reactive.Testing, both lists are read-only views: a test asserts on them, it does not edit them.
/// </remarks>
public interface ITestableObservable<T> : IObservable<T>
{
    /// <summary>Every subscription so far, in subscription order; open ones end at <see cref="Subscription.Infinite"/>.</summary>
    IReadOnlyList<Subscription> Subscriptions { get; }

    /// <summary>The scripted notifications (absolute times when hot, offsets from subscription when cold).</summary>
    IReadOnlyList<Recorded<Notification<T>>> Messages { get; }
}

/// <summary>An observer that records every notification with the virtual time it arrived at.</summary>
public interface ITestableObserver<T> : IObserver<T>
{
    /// <summary>The notifications received so far, in arrival order.</summary>
    IReadOnlyList<Recorded<Notification<T>>> Messages { get; }
}
