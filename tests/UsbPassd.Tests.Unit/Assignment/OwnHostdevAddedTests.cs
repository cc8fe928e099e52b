using UsbPassd.Assignment;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Assignment;

public class OwnHostdevAddedTests
{
    [Fact]
    public void An_attached_claim_is_settled_no_reconcile() =>
        Assert.Equal(OwnHostdevOutcome.Settled, OwnHostdevAdded.Judge(ClaimState.Attached));

    [Fact]
    public void An_attach_under_way_is_awaited() =>
        Assert.Equal(OwnHostdevOutcome.AwaitOperation, OwnHostdevAdded.Judge(ClaimState.Attaching));

    // Rolled back while libvirtd went on (the caller died), detaching, a stale alias with no claim,
    // or one an outside hostdev was recorded under: libvirt's XML decides, as before.
    [Theory]
    [InlineData(ClaimState.Reserved)]
    [InlineData(ClaimState.Detaching)]
    [InlineData(ClaimState.External)]
    [InlineData(null)]
    public void A_claim_the_ledger_does_not_hold_as_attached_falls_back_to_a_reconcile(ClaimState? state) =>
        Assert.Equal(OwnHostdevOutcome.Reconcile, OwnHostdevAdded.Judge(state));
}
