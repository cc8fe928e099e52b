using UsbPassd.Libvirt;
using UsbPassd.Migration;
using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>
/// Makes the ledger agree with libvirt (at start, after a reconnect, after lifecycle and hostdev
/// events): our alias in a domain's live or persistent XML is the truth. A claim left attaching or
/// detaching by a crash is settled by it, an attached claim whose domain no longer exists is
/// released, one whose hostdev is gone falls back to reserved. USB hostdevs someone else put into a
/// domain are recorded as owned externally, so nobody attaches the same device twice.
/// </summary>
internal sealed class ReconcileOperation(AssignmentCore core, FollowOperation follow, MigrationOperation migration)
{
    private const ClaimState External = ClaimState.External;

    // What libvirt says a domain holds: its USB hostdevs, live and in the definition.
    // Metadata: the aliases our migration element lists (in the definition, else the live XML).
    private sealed record DomainTruth(string Uuid, string Name, bool Active, IReadOnlyList<DomainHostdev> Live, IReadOnlyList<DomainHostdev> Defined, IReadOnlyDictionary<string, MigrationEntry> Metadata);

    public IReadOnlyList<Followed> Reconcile()
    {
        List<Followed> done = [];
        if (core.Libvirt is not LibvirtConnection connection)
        {
            return done;
        }

        long since = core.Sequence; // before the XML: what moves after it is judged by a later pass
        Dictionary<string, DomainTruth> domains = ReadDomains(connection);
        CrashPoint.Here(CrashPoints.ReconcileRead);
        foreach (Claim claim in core.Ledger.All().Where(c => c.State != External && !core.PassOver(c.DevId, since)))
        {
            if (core.Devices.Find(null, claim.DevId, null, null) is not [DeviceRow row, ..])
            {
                continue;
            }

            if (!domains.TryGetValue(claim.InstanceUuid, out DomainTruth? domain))
            {
                // A reservation is the scheduler's, made before the VM is defined: it ends by its
                // TTL or a release, never because libvirt does not know the instance (yet).
                if (claim.State != ClaimState.Reserved && Settle(() => core.Ledger.Release(row, claim.InstanceUuid, BaseStatus(row), expected: claim.State)))
                {
                    done.Add(new Followed("released (its domain no longer exists)", row.PortId ?? "?", claim.InstanceUuid, 0, 0));
                }

                continue;
            }

            bool present = domain.Live.Concat(domain.Defined).Any(h => h.Alias == claim.Alias);
            if (claim.State == ClaimState.Attached && present)
            {
                Converge(connection, domain, row, claim, done);
                continue;
            }

            // A reserved claim whose hostdev is in the XML was attached after all: libvirtd finished
            // an attach whose caller (a daemon killed half way) never heard the answer.
            // Null: leave it; Released: the claim ends.
            Settled? settled = (claim.State, present) switch
            {
                (ClaimState.Attaching, true) or (ClaimState.Detaching, true) or (ClaimState.Reserved, true) => new Settled(ClaimState.Attached),
                (ClaimState.Attaching, false) or (ClaimState.Attached, false) when row.Present != 0 => new Settled(ClaimState.Reserved),
                (ClaimState.Detaching, false) => Settled.Released,
                _ => null,
            };
            bool changed = settled switch
            {
                null => false,
                { State: null } => Settle(() => core.Ledger.Release(row, claim.InstanceUuid, BaseStatus(row), expected: claim.State)),
                { State: ClaimState state } => Settle(() => core.Ledger.SetState(row, claim.InstanceUuid, state, expected: claim.State)),
            };
            if (changed)
            {
                done.Add(new Followed($"{claim.State.Name()} settled as {settled} (libvirt's XML)", row.PortId ?? "?", domain.Name, 0, 0));
            }
        }

        RecordExternal(domains.Values, done);
        RewriteMetadata(connection, domains.Values, done);
        return done;
    }

    /// <summary>
    /// A crash between an attach's (or detach's, swap's) commit and its metadata write leaves the
    /// domain's migration element without a device it holds, or naming one it gave up: a live
    /// migration's destination would then refuse or reserve the wrong devices. Written again
    /// (as the operations write it) where it misses an attached claim or names an alias no claim
    /// of the domain has.
    /// </summary>
    private void RewriteMetadata(LibvirtConnection connection, IEnumerable<DomainTruth> domains, List<Followed> done)
    {
        foreach (DomainTruth truth in domains)
        {
            IReadOnlyList<Claim> claims = [.. core.Ledger.OfInstance(truth.Uuid).Where(c => c.State != External && !c.Incoming)];
            // An entry is judged stale only in a domain this daemon holds devices of: the metadata of
            // a domain it holds nothing in may be another daemon's (a libvirtd shared by test runs, the
            // same dev_ids) and is left alone. So a device detached from a domain left holding none
            // may stay named there until the next attach or detach of that domain writes it.
            bool missing = claims.Any(c => c.State == ClaimState.Attached && !truth.Metadata.ContainsKey(c.Alias));
            bool stale = claims.Count > 0 && truth.Metadata.Values.Any(e => !claims.Any(c => c.Alias == e.Alias));
            if (claims.Any(c => core.IsMoving(c.DevId)) || !(missing || stale))
            {
                continue;
            }

            try
            {
                using LibvirtDomain domain = connection.FindDomain(truth.Uuid);
                migration.WriteMetadata(connection, domain);
                done.Add(new Followed("migration metadata written again (it disagreed with the ledger)", "-", truth.Name, 0, 0));
            }
            catch (LibvirtException)
            {
                // Gone meanwhile: nothing to describe.
            }
        }
    }

    /// <summary>
    /// Does what <see cref="FollowOperation.Follow"/> would have done while libvirtd was unreachable (restarting):
    /// a device that left has its stale hostdev removed from the running guest; one that came back
    /// renumbered is attached again. "Renumbered" is read from the XML: our hostdev names a
    /// bus/device the device no longer has.
    /// </summary>
    private void Converge(LibvirtConnection connection, DomainTruth truth, DeviceRow row, Claim claim, List<Followed> done)
    {
        DomainHostdev? live = truth.Live.FirstOrDefault(h => h.Alias == claim.Alias);
        DomainHostdev? defined = truth.Defined.FirstOrDefault(h => h.Alias == claim.Alias);
        bool Stale(DomainHostdev h) => h.Bus != row.BusId || h.Device != row.DeviceId;
        bool removeLive = row.Present == 0 && live is not null && !(live.Bus is null && live.Device is null);
        bool fixLive = row.Present != 0 && truth.Active && (live is null ? defined is not null && Stale(defined) : Stale(live));
        bool fixConfig = row.Present != 0 && defined is not null && Stale(defined);
        if (!removeLive && !fixLive && !fixConfig)
        {
            return;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using LibvirtDomain domain = connection.FindDomain(truth.Uuid);
            if (removeLive)
            {
                follow.RemoveStale(connection, domain, claim.Alias);
                done.Add(new Followed("stale hostdev removed (missed while libvirt was unreachable)", row.PortId ?? "?", truth.Name, Ms(start), Ms(start)));
                return;
            }

            CrashPoint.Here(CrashPoints.ReconcileRepointBefore);
            follow.Repoint(connection, domain, row, claim, fixLive, fixConfig);
            core.Ledger.SetState(row, claim.InstanceUuid, ClaimState.Attached, FollowOperation.Replug); // the row of the new enumeration was only 'reserved'
            CrashPoint.Here(CrashPoints.ReconcileConfirmAfter);
            core.Counters.CountReattached();
            done.Add(new Followed("re-attached (missed while libvirt was unreachable)", row.PortId ?? "?", truth.Name, Ms(start), Ms(start)));
        }
        catch (LibvirtException e)
        {
            done.Add(new Followed($"could not re-attach: {e.Message}", row.PortId ?? "?", truth.Name, Ms(start), 0));
        }
    }

    private static Dictionary<string, DomainTruth> ReadDomains(LibvirtConnection connection)
    {
        var truth = new Dictionary<string, DomainTruth>(StringComparer.OrdinalIgnoreCase);
        foreach (LibvirtDomain domain in connection.ListDomains())
        {
            using (domain)
            {
                try
                {
                    bool active = IsActive(domain);
                    string? live = active ? connection.Xml(domain) : null;
                    string? defined = domain.Persistent ? connection.Xml(domain, inactive: true) : null;
                    truth[domain.Uuid] = new DomainTruth(domain.Uuid, domain.Name, active,
                        live is null ? [] : DomainXml.UsbHostdevs(live),
                        defined is null ? [] : DomainXml.UsbHostdevs(defined),
                        (defined ?? live) is string xml ? MigrationMetadata.Read(DomainXml.Parse(xml)) : new Dictionary<string, MigrationEntry>());
                }
                catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
                {
                    // Undefined while we looked: it holds nothing.
                }
            }
        }

        return truth;
    }

    // One commit that settles a claim, between its two crash points.
    private static bool Settle(Func<bool> commit)
    {
        CrashPoint.Here(CrashPoints.ReconcileSettleBefore);
        bool changed = commit();
        CrashPoint.Here(CrashPoints.ReconcileSettleAfter);
        return changed;
    }

    // A running domain holds what its live XML names; a shut-off one what it will take at start.
    private void RecordExternal(IEnumerable<DomainTruth> domains, List<Followed> done)
    {
        IReadOnlyList<DeviceRow> present = [.. core.Devices.ListLive().Where(r => r.Present != 0 && r.DevId is not null)];
        var found = new Dictionary<string, (DeviceRow Row, DomainTruth Domain, DomainHostdev Hostdev)>();
        foreach (DomainTruth domain in domains)
        {
            foreach (DomainHostdev hostdev in (domain.Active ? domain.Live : domain.Defined).Where(h => !h.IsOurs))
            {
                if (Match(present, hostdev) is DeviceRow row)
                {
                    found.TryAdd(row.DevId!, (row, domain, hostdev));
                }
            }
        }

        IReadOnlyList<Claim> claims = core.Ledger.All();
        foreach (Claim gone in claims.Where(c => c.State == External
            && !(found.TryGetValue(c.DevId, out var f) && f.Domain.Uuid.Equals(c.InstanceUuid, StringComparison.OrdinalIgnoreCase))))
        {
            if (core.Devices.Find(null, gone.DevId, null, null) is [DeviceRow row, ..])
            {
                core.Ledger.Release(row, gone.InstanceUuid, BaseStatus(row));
                CrashPoint.Here(CrashPoints.ReconcileExternalAfter);
                done.Add(new Followed("no longer attached outside usbpassd", row.PortId ?? "?", gone.InstanceUuid, 0, 0));
            }
        }

        foreach (var (devId, (row, domain, hostdev)) in found)
        {
            Claim? claim = claims.FirstOrDefault(c => c.DevId == devId);
            if (claim is null || (claim.State == External && !claim.InstanceUuid.Equals(domain.Uuid, StringComparison.OrdinalIgnoreCase)))
            {
                core.Ledger.Release(row, claim?.InstanceUuid ?? domain.Uuid, BaseStatus(row));
                core.Ledger.Claim(row, domain.Uuid, External, null, hostdev.Alias ?? "", hostdev.StartupPolicy ?? "mandatory", persistent: !domain.Active);
                CrashPoint.Here(CrashPoints.ReconcileExternalAfter);
                done.Add(new Followed($"attached outside usbpassd (hostdev {hostdev.Alias ?? "without alias"})", row.PortId ?? "?", domain.Name, 0, 0));
            }
            else if (claim.State != External && !claim.InstanceUuid.Equals(domain.Uuid, StringComparison.OrdinalIgnoreCase))
            {
                done.Add(new Followed($"CONFLICT: also named by domain {domain.Name}'s XML outside usbpassd while {claim.State.Name()} to {claim.InstanceUuid}", row.PortId ?? "?", domain.Name, 0, 0));
            }
        }
    }

    // libvirt picks a host device by bus+device when given, else by vendor+product (only a unique match counts).
    private static DeviceRow? Match(IReadOnlyList<DeviceRow> present, DomainHostdev hostdev)
    {
        if (hostdev.Bus is int bus && hostdev.Device is int device)
        {
            return present.FirstOrDefault(r => r.BusId == bus && r.DeviceId == device);
        }

        if (hostdev.VendorId is ushort vid && hostdev.ProductId is ushort pid)
        {
            DeviceRow[] same = [.. present.Where(r => r.VendorId == $"{vid:x4}" && r.ProductId == $"{pid:x4}")];
            return same.Length == 1 ? same[0] : null;
        }

        return null;
    }

    // What a reconcile settles a claim as: a state, or released (no state).
    private sealed record Settled(ClaimState? State)
    {
        public static Settled Released { get; } = new((ClaimState?)null);

        public override string ToString() => State?.Name() ?? "released";
    }
}
