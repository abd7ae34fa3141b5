using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class SubscriptionTests
{
    [Fact]
    public void Subscription_SubscribeOnly_UnsubscribeIsInfinite()
    {
        var subscription = Subscribe(200);

        Assert.Equal(200, subscription.Subscribe);
        Assert.Equal(Subscription.Infinite, subscription.Unsubscribe);
        Assert.Equal(long.MaxValue, Subscription.Infinite);
    }

    [Fact]
    public void Subscription_Equality_ComparesBothTimes()
    {
        Assert.True(Subscribe(200, 1000) == new Subscription(200, 1000));
        Assert.True(Subscribe(200, 1000) != Subscribe(200, 999));
        Assert.NotEqual(Subscribe(200), Subscribe(201));
        Assert.Equal(Subscribe(200), new Subscription(200, Subscription.Infinite));
        Assert.Equal(Subscribe(200, 300).GetHashCode(), new Subscription(200, 300).GetHashCode());
        Assert.False(Subscribe(200).Equals((object)200L));
    }

    [Fact]
    public void Subscription_ToString_ShowsInfinite()
    {
        Assert.Equal("(200, 1000)", Subscribe(200, 1000).ToString());
        Assert.Equal("(200, Infinite)", Subscribe(200).ToString());
    }
}
