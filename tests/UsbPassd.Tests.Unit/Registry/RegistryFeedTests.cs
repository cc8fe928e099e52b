using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Registry;

public sealed class RegistryFeedTests
{
    private static RegistryChange Change(ChangeCause cause, params long[] ids) =>
        new(cause, [.. ids.Select(id => new RowChange(RowChangeKind.Changed, id, null, new DeviceRow { Id = id }))]);

    [Fact]
    public void Every_subscriber_is_told_each_change_in_order()
    {
        var feed = new RegistryFeed();
        List<string> told = [];
        using IDisposable a = feed.Subscribe(c => told.Add($"a{c.Cause}{c.Rows[0].RowId}"));
        using IDisposable b = feed.Subscribe(c => told.Add($"b{c.Cause}{c.Rows[0].RowId}"));

        feed.Publish(Change(ChangeCause.Scan, 1));
        feed.Publish(Change(ChangeCause.Ownership, 2));

        Assert.Equal(["aScan1", "bScan1", "aOwnership2", "bOwnership2"], told);
    }

    [Fact]
    public void A_change_of_no_rows_tells_nobody()
    {
        var feed = new RegistryFeed();
        int told = 0;
        using IDisposable s = feed.Subscribe(_ => told++);

        feed.Publish(new RegistryChange(ChangeCause.Policy, []));

        Assert.Equal(0, told);
    }

    [Fact]
    public void A_disposed_subscription_is_told_nothing_more_and_may_be_disposed_twice()
    {
        var feed = new RegistryFeed();
        List<long> told = [];
        IDisposable s = feed.Subscribe(c => told.Add(c.Rows[0].RowId));
        feed.Publish(Change(ChangeCause.Scan, 1));

        s.Dispose();
        s.Dispose();
        feed.Publish(Change(ChangeCause.Scan, 2));

        Assert.Equal([1L], told);
    }

    [Fact]
    public void A_failing_subscriber_is_reported_and_the_others_are_told_all_the_same()
    {
        var feed = new RegistryFeed();
        List<Exception> faults = [];
        feed.Faulted += faults.Add;
        List<long> told = [];
        using IDisposable bad = feed.Subscribe(_ => throw new InvalidOperationException("broken"));
        using IDisposable good = feed.Subscribe(c => told.Add(c.Rows[0].RowId));

        feed.Publish(Change(ChangeCause.Scan, 7));

        Assert.Equal([7L], told);
        Assert.Equal("broken", Assert.Single(faults).Message);
    }

    [Fact]
    public async Task A_first_load_and_its_subscription_see_no_change_in_between()
    {
        var feed = new RegistryFeed();
        List<long> told = [];
        using var loading = new ManualResetEventSlim();
        Task publisher = Task.Run(() =>
        {
            loading.Wait();
            feed.Publish(Change(ChangeCause.Scan, 2)); // waits until the load has subscribed
        });

        using IDisposable s = feed.Quiet(() =>
        {
            loading.Set();
            Thread.Sleep(20); // the publisher's chance to slip in (it must not: told would stay empty)
            return feed.Subscribe(c => told.Add(c.Rows[0].RowId));
        });
        await publisher;

        Assert.Equal([2L], told);
    }
}
