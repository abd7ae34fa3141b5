using System.Reactive;
using System.Reactive.Disposables;

namespace Cep.Testing;

/// <summary>
/// Replays its messages to each subscriber separately, each message at its time offset from that subscription.
/// </summary>
internal sealed class ColdObservable<T> : ITestableObservable<T>
{
    private readonly TestScheduler _scheduler;
    private readonly Recorded<Notification<T>>[] _messages;
    private readonly List<Subscription> _subscriptions = [];

    public ColdObservable(TestScheduler scheduler, Recorded<Notification<T>>[] messages)
    {
        _scheduler = scheduler;
        _messages = (Recorded<Notification<T>>[])messages.Clone();
        foreach (var message in _messages)
        {
            ArgumentNullException.ThrowIfNull(message.Value, nameof(messages));
        }
    }

    public IReadOnlyList<Subscription> Subscriptions => _subscriptions;

    public IReadOnlyList<Recorded<Notification<T>>> Messages => _messages;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _subscriptions.Add(new Subscription(_scheduler.Clock));
        var index = _subscriptions.Count - 1;

        var pending = new CompositeDisposable(_messages.Length);
        foreach (var message in _messages)
        {
            // Relative to now; an offset of 0 lands on Clock + 1 through TestScheduler.ScheduleAbsolute, as in Rx.
            pending.Add(_scheduler.ScheduleRelative((Observer: observer, Notification: message.Value), message.Time,
                static (_, state) =>
                {
                    state.Notification.Accept(state.Observer);
                    return Disposable.Empty;
                }));
        }

        return Disposable.Create(() =>
        {
            _subscriptions[index] = new Subscription(_subscriptions[index].Subscribe, _scheduler.Clock);
            pending.Dispose();
        });
    }
}
