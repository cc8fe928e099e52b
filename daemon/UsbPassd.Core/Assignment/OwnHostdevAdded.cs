using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>What libvirt's device-added event for one of our aliases asks of usbpassd.</summary>
public enum OwnHostdevOutcome
{
    /// <summary>The ledger already holds the claim as attached (our attach, or a re-attach after a replug): nothing to do.</summary>
    Settled,

    /// <summary>The claim is still attaching: the attach under way confirms it, or rolls it back; judge again when it did.</summary>
    AwaitOperation,

    /// <summary>The ledger does not hold it as ours (rolled back, detaching, released, a stale alias): libvirt's XML decides, by a reconcile.</summary>
    Reconcile,
}

/// <summary>
/// Our own hostdev came into a domain (libvirt's device-added event for a <c>ua-usbpassd-…</c> alias).
/// The operation that put it there settles its claim; a full reconcile (every domain's XML) is only
/// needed when the ledger does not know the claim as ours.
/// </summary>
public static class OwnHostdevAdded
{
    /// <param name="claimState">The state of the domain's claim with that alias, null when there is none.</param>
    public static OwnHostdevOutcome Judge(ClaimState? claimState) => claimState switch
    {
        ClaimState.Attached => OwnHostdevOutcome.Settled,
        ClaimState.Attaching => OwnHostdevOutcome.AwaitOperation,
        _ => OwnHostdevOutcome.Reconcile,
    };
}
