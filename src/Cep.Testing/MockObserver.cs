using System.Reactive;

namespace Cep.Testing;

/// <summary>Records each notification stamped with the scheduler's clock at the moment it arrives.</summary>
internal sealed class MockObserver<T> : ITestableObserver<T>
{
    private readonly TestScheduler _scheduler;
    private readonly List<Recorded<Notification<T>>> _messages = [];

    public MockObserver(TestScheduler scheduler) => _scheduler = scheduler;

    public IReadOnlyList<Recorded<Notification<T>>> Messages => _messages;

    public void OnNext(T value) =>
        _messages.Add(new Recorded<Notification<T>>(_scheduler.Clock, Notification.CreateOnNext(value)));

    public void OnError(Exception error) =>
        _messages.Add(new Recorded<Notification<T>>(_scheduler.Clock, Notification.CreateOnError<T>(error)));

    public void OnCompleted() =>
        _messages.Add(new Recorded<Notification<T>>(_scheduler.Clock, Notification.CreateOnCompleted<T>()));
}
