using UsbPassd.Libvirt;
using UsbPassd.Migration;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>
/// Live migration, both ends (issue 16). The source records each attachment's decision in the
/// domain's metadata (<see cref="WriteMetadata"/>). The destination, in its <c>migrate begin</c> hook,
/// reserves a device for each of our hostdevs (<see cref="Prepare"/>: refuse, equivalent, drop) and
/// answers with the XML pointed at them; once the domain has arrived it connects them again
/// (<see cref="Arrive"/>: QEMU's usb-host never reopens a device after a migration), or releases them
/// when the domain never came (<see cref="Abandon"/>). The source releases what the domain held once
/// it has left (<see cref="Departed"/>).
/// </summary>
internal sealed class MigrationOperation(AssignmentCore core, FollowOperation follow)
{
    public static readonly Actor Incoming = new("usbpassd: incoming live migration");
    public static readonly Actor Outgoing = new("usbpassd: the domain migrated away");

    /// <exception cref="AssignmentRefusedException">The migration may not come here; the message says why, for the operator.</exception>
    public IncomingPrepared Prepare(IncomingDomain incoming)
    {
        Abandon(incoming.Uuid); // a retried migration: what an earlier attempt reserved is chosen again
        if (incoming.Hostdevs.Count == 0)
        {
            return new IncomingPrepared(null, []);
        }

        IReadOnlyList<DeviceRow> rows = core.Devices.ListLive();
        var targets = new Dictionary<string, HostdevTarget>(StringComparer.Ordinal);
        List<(DeviceRow, IncomingHostdev)> reserved = [];
        List<string> refusals = [];
        foreach (IncomingHostdev h in incoming.Hostdevs)
        {
            MigrationDecision? decision = h.Entry?.Migration;
            string? refusal = null;
            DeviceRow? chosen = null;
            switch (decision)
            {
                case null:
                    refusal = $"hostdev {h.Alias} ({h.VendorId}:{h.ProductId}) of instance {incoming.Name} carries no migration decision from its source (attached before usbpassd recorded them, or by hand): set one there (usbpassctl migration DEVICE equivalent|drop|refuse)";
                    break;
                case MigrationDecision.Drop:
                    targets[h.Alias] = Nowhere(rows);
                    continue;
                case MigrationDecision.Refuse:
                    chosen = rows.FirstOrDefault(r => r.DevId == h.Entry!.DevId && r.Present != 0 && !r.IsOwned && !reserved.Any(x => x.Item1.Id == r.Id));
                    refusal = chosen is null
                        ? $"instance {incoming.Name} holds {h.Entry!.DevId} (migration: refuse): that very device is not free on this host; detach it first, or let another device take its place (usbpassctl migration DEVICE equivalent) on the source"
                        : null;
                    break;
                case MigrationDecision.Equivalent:
                    (chosen, refusal) = EquivalentDevice.Choose(h.VendorId, h.ProductId, h.Entry!.Label,
                        rows.Where(r => !reserved.Any(x => x.Item1.Id == r.Id)), r => core.Judge(r)?.Label, incoming.Name);
                    break;
            }

            if (chosen is not null)
            {
                refusal = Reserve(chosen, incoming, h, decision!.Value);
            }

            if (refusal is not null)
            {
                refusals.Add(refusal);
                continue;
            }

            reserved.Add((chosen!, h));
            targets[h.Alias] = new HostdevTarget((int)chosen!.BusId!, (int)chosen.DeviceId!, Dropped: false);
        }

        if (refusals.Count > 0)
        {
            Abandon(incoming.Uuid);
            throw new AssignmentRefusedException(RefusalReason.DomainRefuses, string.Join("; ", refusals));
        }

        return new IncomingPrepared(incoming.Rewrite(targets), reserved);
    }

    /// <summary>
    /// The domain has arrived (it runs, or is paused by its user, no longer by the migration): each
    /// device reserved for it is connected again (detach and attach, live), its claim becomes an
    /// ordinary attached one, hostdevs it dropped are taken out, and the metadata names this host's devices.
    /// </summary>
    /// <returns>Null while the domain is still arriving; else what was done.</returns>
    public IReadOnlyList<Followed>? Arrive(string instanceUuid)
    {
        LibvirtConnection connection = core.Connection();
        using LibvirtDomain domain = FindDomain(connection, instanceUuid);
        if (domain.IsArriving)
        {
            return null;
        }

        List<Followed> done = [];
        IReadOnlyList<Claim> claims = core.Ledger.OfInstance(domain.Uuid);
        IReadOnlyList<DomainHostdev> live = IsActive(domain) ? DomainXml.UsbHostdevs(connection.Xml(domain)) : [];
        foreach (Claim claim in claims.Where(c => c.Incoming))
        {
            if (core.Devices.Find(null, claim.DevId, null, null) is not [DeviceRow row, ..])
            {
                continue;
            }

            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            using (core.Moving(row))
            {
                if (live.Any(h => h.Alias == claim.Alias) && row.Present != 0)
                {
                    try
                    {
                        follow.Repoint(connection, domain, row, claim, live: true, config: false);
                        core.Ledger.SetState(row, domain.Uuid, ClaimState.Attached, Incoming);
                        done.Add(new Followed("connected after the migration", row.PortId ?? "?", domain.Name, Ms(start), Ms(start)));
                    }
                    catch (LibvirtException e)
                    {
                        core.Ledger.SetState(row, domain.Uuid, ClaimState.Reserved, Incoming);
                        done.Add(new Followed($"could not connect after the migration: {e.Message}", row.PortId ?? "?", domain.Name, Ms(start), 0));
                    }
                }

                core.Ledger.Arrived(row, domain.Uuid);
            }
        }

        // Hostdevs the source dropped point nowhere here: take them out, live and from the definition.
        foreach (DomainHostdev stale in live.Where(h => h.IsOurs && !claims.Any(c => c.Alias == h.Alias)))
        {
            follow.RemoveStale(connection, domain, stale.Alias!);
            done.Add(new Followed("dropped by the migration: hostdev removed", stale.Alias!, domain.Name, 0, 0));
        }

        if (domain.Persistent)
        {
            foreach (DomainHostdev stale in DomainXml.UsbHostdevs(connection.Xml(domain, inactive: true)).Where(h => h.IsOurs && !claims.Any(c => c.Alias == h.Alias)))
            {
                try
                {
                    connection.DetachAlias(domain, stale.Alias!, AttachFlags.Config);
                }
                catch (LibvirtException)
                {
                    // Gone meanwhile.
                }
            }
        }

        WriteMetadata(connection, domain);
        return done;
    }

    /// <summary>Releases what an incoming migration reserved for <paramref name="instanceUuid"/> (it failed, was cancelled, or is tried again).</summary>
    public IReadOnlyList<string> Abandon(string instanceUuid) => ReleaseWhere(instanceUuid, c => c.Incoming, Incoming);

    /// <summary>The source: the domain left by live migration; what it held here is free again.</summary>
    public IReadOnlyList<string> Departed(string instanceUuid) =>
        ReleaseWhere(instanceUuid, c => !c.Incoming && c.State != ClaimState.External, Outgoing);

    /// <summary>Changes a claim's decision, in the ledger and in the domain's metadata (when the domain exists).</summary>
    public AssignmentOutcome SetMigration(DeviceKey? key, MigrationDecision decision, Actor by)
    {
        DeviceRow row = core.Resolve(key);
        if (core.Ledger.Get(row.DevId!) is not Claim claim || claim.State == ClaimState.External || !core.Ledger.SetMigration(row, claim.InstanceUuid, decision, by))
        {
            throw new AssignmentRefusedException(RefusalReason.NotHeld, $"device {row.PortId} is not held by any instance through usbpassd: attach it with --migration {decision.Name()}");
        }

        if (core.Libvirt is LibvirtConnection connection)
        {
            try
            {
                using LibvirtDomain domain = connection.FindDomain(claim.InstanceUuid);
                WriteMetadata(connection, domain);
            }
            catch (LibvirtException)
            {
                // Not defined (a reservation ahead of its VM): the attach writes it.
            }
        }

        return core.Outcome(row.Id, core.Confirmed(claim with { Migration = decision }, claim.State));
    }

    /// <summary>
    /// Writes the decisions of the domain's claims into its metadata, where a migration's destination
    /// reads them. Best effort: without it the destination refuses (the safe side), and says how to fix it.
    /// </summary>
    public void WriteMetadata(LibvirtConnection connection, LibvirtDomain domain)
    {
        IEnumerable<MigrationEntry> entries = core.Ledger.OfInstance(domain.Uuid)
            .Where(c => c.State != ClaimState.External && !c.Incoming)
            .SelectMany(c => core.Devices.Find(null, c.DevId, null, null).Take(1).Select(row => new MigrationEntry(
                c.Alias, c.DevId, row.VendorId ?? "", row.ProductId ?? "", c.Migration ?? core.DefaultMigration(row), core.Judge(row)?.Label)));
        uint flags = (IsActive(domain) ? AttachFlags.Live : 0) | (domain.Persistent ? AttachFlags.Config : 0);
        try
        {
            connection.SetMetadata(domain, MigrationMetadata.Build(entries), MigrationMetadata.Key, MigrationMetadata.Namespace, flags);
        }
        catch (LibvirtException)
        {
            // The domain went away, or libvirtd restarts: the next attach or reconcile writes it.
        }
    }

    private string? Reserve(DeviceRow row, IncomingDomain incoming, IncomingHostdev h, MigrationDecision decision)
    {
        try
        {
            CheckPassable(row);
            Actor by = core.CheckPolicy(row, incoming.Uuid, "migrate", Incoming);
            core.Ledger.Claim(row, incoming.Uuid, ClaimState.Reserved, null, h.Alias, h.StartupPolicy, persistent: true, null, by, ClaimOrigin.Local, decision, incoming: true);
            return null;
        }
        catch (AssignmentRefusedException e)
        {
            return $"{row.PortId}: {e.Message}";
        }
        catch (OwnershipConflictException e)
        {
            return e.Message;
        }
    }

    private List<string> ReleaseWhere(string instanceUuid, Func<Claim, bool> which, Actor by)
    {
        List<string> released = [];
        foreach (Claim claim in core.Ledger.OfInstance(instanceUuid).Where(which))
        {
            if (core.Devices.Find(null, claim.DevId, null, null) is [DeviceRow row, ..] && core.Ledger.Release(row, instanceUuid, BaseStatus(row), by))
            {
                released.Add(row.PortId ?? claim.DevId);
            }
        }

        return released;
    }

    // An address where no device is plugged in (device numbers count up from 1; 127 is the last).
    private static HostdevTarget Nowhere(IReadOnlyList<DeviceRow> rows)
    {
        int bus = (int)(rows.Where(r => r.Present != 0 && r.BusId is not null).Select(r => r.BusId).Min() ?? 1);
        int device = Enumerable.Range(2, 126).Reverse().First(d => !rows.Any(r => r.Present != 0 && r.BusId == bus && r.DeviceId == d));
        return new HostdevTarget(bus, device, Dropped: true);
    }
}
