using System.Reactive;
using System.Reactive.Disposables;

namespace Cep.Testing;

/// <summary>
/// Fires its messages at their absolute virtual times whether or not anyone listens; a subscriber sees only what
/// fires while it is subscribed.
/// </summary>
internal sealed class HotObservable<T> : ITestableObservable<T>
{
    private readonly TestScheduler _scheduler;
    private readonly Recorded<Notification<T>>[] _messages;
    private readonly List<Subscription> _subscriptions = [];

    // Copy-on-write: messages far outnumber subscribes, so copying on (un)subscribe instead of on every
    // notification keeps publishing allocation-free. A notification goes to the observers present when it fires,
    // as in Rx: one added during a fan-out waits for the next message, one removed still gets the current one.
    private Listener[] _listeners = [];

    public HotObservable(TestScheduler scheduler, Recorded<Notification<T>>[] messages)
    {
        _scheduler = scheduler;
        _messages = (Recorded<Notification<T>>[])messages.Clone();
        foreach (var message in _messages)
        {
            ArgumentNullException.ThrowIfNull(message.Value, nameof(messages));
            scheduler.ScheduleAbsolute((Observable: this, Notification: message.Value), message.Time, static (_, state) =>
            {
                state.Observable.Publish(state.Notification);
                return Disposable.Empty;
            });
        }
    }

    public IReadOnlyList<Subscription> Subscriptions => _subscriptions;

    public IReadOnlyList<Recorded<Notification<T>>> Messages => _messages;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _subscriptions.Add(new Subscription(_scheduler.Clock));
        var listener = new Listener(this, observer, _subscriptions.Count - 1);
        _listeners = [.. _listeners, listener];
        return listener;
    }

    private void Publish(Notification<T> notification)
    {
        foreach (var listener in _listeners)
        {
            notification.Accept(listener.Observer);
        }
    }

    private void Remove(Listener listener)
    {
        var index = Array.IndexOf(_listeners, listener);
        if (index >= 0)
        {
            var next = new Listener[_listeners.Length - 1];
            Array.Copy(_listeners, 0, next, 0, index);
            Array.Copy(_listeners, index + 1, next, index, next.Length - index);
            _listeners = next;
        }
        _subscriptions[listener.Index] = new Subscription(_subscriptions[listener.Index].Subscribe, _scheduler.Clock);
    }

    private sealed class Listener(HotObservable<T> owner, IObserver<T> observer, int index) : IDisposable
    {
        private bool _disposed;

        public IObserver<T> Observer { get; } = observer;

        public int Index { get; } = index;

        public void Dispose()
        {
            // The first disposal is the one recorded; later ones are no-ops, as with Rx's Disposable.Create.
            if (!_disposed)
            {
                _disposed = true;
                owner.Remove(this);
            }
        }
    }
}
