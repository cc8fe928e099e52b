using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

public sealed class ByteBudgetTests
{
    [Fact]
    public void Taking_past_the_limit_is_refused_but_one_big_item_may_go_alone()
    {
        var budget = new ByteBudget(100);

        Assert.True(budget.TryTake(5000)); // nothing held: a reply larger than the budget is still answerable
        Assert.False(budget.TryTake(1));
        budget.Release(5000);
        Assert.True(budget.TryTake(60));
        Assert.True(budget.TryTake(40));
        Assert.False(budget.TryTake(1));
        Assert.Equal(100, budget.Held);
    }

    [Fact]
    public async Task A_waiting_taker_goes_once_enough_is_released()
    {
        var budget = new ByteBudget(100);
        Assert.True(budget.TryTake(90));
        ValueTask waiting = budget.TakeAsync(50, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        budget.Release(90);
        await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(50, budget.Held);
    }

    [Fact]
    public async Task A_waiting_taker_is_cancelled_without_taking()
    {
        var budget = new ByteBudget(10);
        Assert.True(budget.TryTake(10));
        using var cts = new CancellationTokenSource();
        ValueTask waiting = budget.TakeAsync(5, cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        Assert.Equal(10, budget.Held);
    }
}
