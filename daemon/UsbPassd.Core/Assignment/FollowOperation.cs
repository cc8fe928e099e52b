using UsbPassd.Libvirt;
using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>
/// Follows the registry after a commit (never on the pipeline thread): a device attached to a VM
/// that left (status missing) loses its stale hostdev while the VM runs on; when the same dev_id
/// comes back (renumbered, owner carried) it is attached again to the same VM, live and in the
/// definition. Ambiguous devices are never matched automatically.
/// </summary>
internal sealed class FollowOperation(AssignmentCore core)
{
    public static readonly Actor Replug = new("usbpassd: re-attached after a replug");

    public IReadOnlyList<Followed> Follow(IReadOnlyList<RowChange> changes, long? committedAt = null)
    {
        List<Followed> done = [];
        foreach (RowChange change in changes)
        {
            // The commit's own row (no read); an unowned row has no claim to follow (no ledger read either).
            if ((change.Row ?? core.Devices.Get(change.RowId)) is not DeviceRow row || row.DevId is null || row.Deleted != 0 || row.InstanceUuid is null
                || core.Ledger.Get(row.DevId) is not { State: ClaimState.Attached } claim || core.Libvirt is not LibvirtConnection connection)
            {
                continue;
            }

            long start = committedAt ?? System.Diagnostics.Stopwatch.GetTimestamp();
            long libvirtStart = System.Diagnostics.Stopwatch.GetTimestamp(); // every libvirt call counts as libvirt's time
            try
            {
                using LibvirtDomain domain = connection.FindDomain(claim.InstanceUuid);
                bool running = IsActive(domain);
                if (change.Kind == RowChangeKind.Changed && row.Status == DeviceStatus.Missing && running)
                {
                    RemoveStale(connection, domain, claim.Alias);
                    done.Add(new Followed("stale hostdev removed", row.PortId ?? "?", domain.Name, Ms(start), Ms(libvirtStart)));
                }
                else if (change.Kind == RowChangeKind.Added && change.ReplacesId is not null && row.Present != 0 && row.Ambiguous == 0
                    && row.InstanceUuid == claim.InstanceUuid)
                {
                    CrashPoint.Here(CrashPoints.FollowRepointBefore);
                    Repoint(connection, domain, row, claim, live: running, config: claim.Persistent && domain.Persistent);
                    double libvirtMs = Ms(libvirtStart);
                    core.Ledger.SetState(row, claim.InstanceUuid, ClaimState.Attached, Replug);
                    CrashPoint.Here(CrashPoints.FollowConfirmAfter);
                    core.Counters.CountReattached();
                    done.Add(new Followed("re-attached", row.PortId ?? "?", domain.Name, Ms(start), libvirtMs));
                }
            }
            catch (Exception e) when (e is LibvirtException or AssignmentRefusedException or FormatException)
            {
                done.Add(new Followed($"could not follow: {e.Message}", row.PortId ?? "?", claim.InstanceUuid, Ms(start), 0));
            }
        }

        return done;
    }

    /// <summary>
    /// Points our hostdev at the device's current bus/device: in the running guest (removing a stale
    /// one first, and waiting until libvirt says it is gone: the alias must be free again) and/or in
    /// the definition, which still names the old enumeration after a replug.
    /// </summary>
    public void Repoint(LibvirtConnection connection, LibvirtDomain domain, DeviceRow row, Claim claim, bool live, bool config)
    {
        string xml = Hostdev(row, claim.Alias, claim.StartupPolicy);
        if (live)
        {
            RemoveStale(connection, domain, claim.Alias);
            CrashPoint.Here(CrashPoints.RepointDetachAfter);
            connection.Attach(domain, xml, AttachFlags.Live);
            CrashPoint.Here(CrashPoints.RepointAttachAfter);
        }

        if (config)
        {
            TryDetach(connection, domain, claim.Alias, AttachFlags.Config);
            CrashPoint.Here(CrashPoints.RepointDetachAfter);
            connection.Attach(domain, xml, AttachFlags.Config);
            CrashPoint.Here(CrashPoints.RepointAttachAfter);
        }
    }

    // A live detach completes with libvirt's device-removed event; without one (it was not there) we go on at once.
    public void RemoveStale(LibvirtConnection connection, LibvirtDomain domain, string alias)
    {
        if (!DomainXml.UsbHostdevs(connection.Xml(domain)).Any(h => h.Alias == alias))
        {
            return;
        }

        try
        {
            core.Removals.DetachConfirmedAsync(connection, domain, alias, AttachFlags.Live).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is LibvirtException or TimeoutException)
        {
            // Gone meanwhile, or libvirt did not say: the attach that follows tells.
        }
    }

    private static void TryDetach(LibvirtConnection connection, LibvirtDomain domain, string alias, uint flags)
    {
        try
        {
            connection.DetachAlias(domain, alias, flags);
        }
        catch (LibvirtException)
        {
            // Not there (any more): what we wanted.
        }
    }
}
