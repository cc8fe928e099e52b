using UsbPassd.Metrics;

namespace UsbPassd.Tests.Unit.Metrics;

public class ReconcileCountersTests
{
    [Fact]
    public void Requests_are_counted_by_cause_and_a_pass_is_pending_from_queued_to_run()
    {
        var r = new ReconcileCounters();
        r.CountQueued();
        r.CountRequested(ReconcileCause.Hostdev);
        r.CountRequested(ReconcileCause.Lifecycle); // coalesced into the queued pass
        Assert.Equal((1, 1, 0, 1L, 0L), (r.Requested(ReconcileCause.Hostdev), r.Requested(ReconcileCause.Lifecycle), r.Requested(ReconcileCause.OwnHostdev), r.Pending, r.Passes));

        r.CountPassed();
        r.CountOwnSettled();
        Assert.Equal((0L, 1L, 1L), (r.Pending, r.Passes, r.OwnSettled));
    }
}
