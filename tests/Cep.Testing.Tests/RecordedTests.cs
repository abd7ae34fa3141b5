using System.Reactive;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class RecordedTests
{
    [Fact]
    public void Recorded_SameTimeAndValue_AreEqual()
    {
        var a = new Recorded<string>(10, "x");
        var b = new Recorded<string>(10, "x");

        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Recorded_DifferentTimeOrValue_AreNotEqual()
    {
        var a = new Recorded<string>(10, "x");

        Assert.NotEqual(a, new Recorded<string>(11, "x"));
        Assert.NotEqual(a, new Recorded<string>(10, "y"));
        Assert.False(a.Equals("x"));
    }

    [Fact]
    public void Recorded_ToString_IsValueAtTime()
    {
        Assert.Equal("42@210", new Recorded<int>(210, 42).ToString());
        Assert.Equal("null@5", new Recorded<string?>(5, null).ToString());
        Assert.Equal("OnNext(42)@210", OnNext(210, 42).ToString());
        Assert.Equal("OnCompleted()@250", OnCompleted<int>(250).ToString());
    }

    [Fact]
    public void OnNext_BuildsOnNextNotification()
    {
        var message = OnNext(210, "a");

        Assert.Equal(210, message.Time);
        Assert.Equal(NotificationKind.OnNext, message.Value.Kind);
        Assert.Equal("a", message.Value.Value);
    }

    [Fact]
    public void OnError_BuildsOnErrorNotification()
    {
        var error = new InvalidOperationException();

        var message = OnError<int>(300, error);

        Assert.Equal(NotificationKind.OnError, message.Value.Kind);
        Assert.Same(error, message.Value.Exception);
    }

    [Fact]
    public void OnCompleted_WithWitness_InfersAnonymousType()
    {
        var witness = new { Id = 0, Name = "" };

        var messages = new[] { OnNext(210, new { Id = 1, Name = "a" }), OnCompleted(250, witness) };

        Assert.Equal(NotificationKind.OnCompleted, messages[1].Value.Kind);
    }

    [Fact]
    public void Factories_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => OnError<int>(1, (Exception)null!));
        Assert.Throws<ArgumentNullException>(() => OnError<int>(1, (Func<Exception, bool>)null!));
        Assert.Throws<ArgumentNullException>(() => OnNext(1, (Func<int, bool>)null!));
    }

    [Fact]
    public void PredicateNotification_Value_ThrowsClearError()
    {
        var message = OnNext<int>(210, _ => true);

        Assert.Equal(NotificationKind.OnNext, message.Value.Kind);
        Assert.Throws<InvalidOperationException>(() => message.Value.Value);
        Assert.Equal("OnNext(<predicate>)@210", message.ToString());
    }
}
