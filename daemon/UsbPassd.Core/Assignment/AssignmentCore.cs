using System.Collections.Concurrent;
using UsbPassd.Devices;
using UsbPassd.Libvirt;
using UsbPassd.Metrics;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// What every assignment operation shares: the registry, the ledger, libvirt, the policy, the
/// counters, the devices in flight; and the checks they all make before a claim (resolve, passable,
/// policy) and the claim itself. Refusals are <see cref="AssignmentRefusedException"/>, never wire errors.
/// </summary>
internal sealed class AssignmentCore(DeviceRepository devices, AssignmentRepository ledger, Func<LibvirtConnection?> libvirt, Func<DeviceRow, DeviceJudgement?>? policy, Removals removals)
{
    // Devices an operation of this process is moving right now (claim written, libvirt called, the
    // confirm still to come). Reconcile leaves them to it: the 'attaching' and 'detaching' claims it
    // settles are only those a crash left behind, not one a lifecycle event caught half way.
    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    // Devices a reconcile pass left to their operation. When that operation ends, the pass is owed
    // again: an operation whose libvirt call broke with the connection (libvirtd restarting) cannot
    // know what libvirt did, and the reconnect's pass that would read it from the XML came while the
    // device was still in flight. Whoever takes the mark out (the pass or the operation's end) acts on it.
    private readonly ConcurrentDictionary<string, byte> _passedOver = new();

    // When each device last began or ended a move (a sequence, not a time). A pass reads libvirt's XML
    // first and the ledger after: an operation that ran in between changed both, and its claim judged
    // against the older XML would be settled wrong (an attach just done read as absent: attached →
    // reserved, which a release then frees with the hostdev still in the definition).
    private readonly ConcurrentDictionary<string, long> _touched = new();
    private long _sequence;

    public DeviceRepository Devices => devices;

    public AssignmentRepository Ledger => ledger;

    public LibvirtConnection? Libvirt => libvirt();

    public AssignmentCounters Counters { get; } = new();

    /// <summary>Waits for libvirt's device-removed events of our live detaches.</summary>
    public Removals Removals => removals;

    /// <summary>An operation on a device a reconcile pass left to it has ended: run the pass again.</summary>
    public event Action? PassOwed;

    public bool IsMoving(string devId) => _inFlight.ContainsKey(devId);

    /// <summary>Where the sequence of moves stands: a pass takes it before it reads libvirt's XML (<see cref="PassOver"/>).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>
    /// True when an operation is moving the device, or moved it since <paramref name="since"/> (the pass's
    /// XML is older than what it did): the caller (a reconcile pass) leaves it, and another pass is owed
    /// (<see cref="PassOwed"/>, at the operation's end, or now when it has ended). False: settle it now.
    /// </summary>
    public bool PassOver(string devId, long since = long.MaxValue)
    {
        if (!_inFlight.ContainsKey(devId))
        {
            if (_touched.TryGetValue(devId, out long touched) && touched > since)
            {
                PassOwed?.Invoke();
                return true;
            }

            return false;
        }

        _passedOver[devId] = 0;
        // Ended between the look and the mark: if this takes the mark back, nobody owes a pass; settle it now.
        return _inFlight.ContainsKey(devId) || !_passedOver.TryRemove(devId, out _);
    }

    public IDisposable Moving(params DeviceRow[] rows)
    {
        string[] ids = [.. rows.Select(r => r.DevId!)];
        foreach (string id in ids)
        {
            _inFlight.AddOrUpdate(id, 1, (_, n) => n + 1);
            _touched[id] = Interlocked.Increment(ref _sequence);
        }

        return new InFlight(this, ids);
    }

    private void Ended(string id)
    {
        _touched[id] = Interlocked.Increment(ref _sequence);
        if (_inFlight.AddOrUpdate(id, 0, (_, n) => n - 1) <= 0 && _inFlight.TryRemove(new KeyValuePair<string, int>(id, 0)) && _passedOver.TryRemove(id, out _))
        {
            PassOwed?.Invoke();
        }
    }

    /// <summary>
    /// True when the connection broke under a call (libvirtd restarting): libvirt may have done what
    /// it was asked, or not. The caller leaves its claim as it is, for the XML to settle (reconcile).
    /// </summary>
    public static bool Lost(LibvirtConnection connection)
    {
        try
        {
            return !connection.IsAlive;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private sealed class InFlight(AssignmentCore core, string[] ids) : IDisposable
    {
        public void Dispose()
        {
            foreach (string id in ids)
            {
                core.Ended(id);
            }
        }
    }

    /// <summary>The one live row a key (id, port_id, address, dev_id) names; refused otherwise.</summary>
    public DeviceRow Resolve(DeviceKey? key)
    {
        DeviceKey k = key ?? throw Invalid("device is required");
        IReadOnlyList<DeviceRow> rows = devices.Find(k.Id, k.DevId, k.PortId, k.Address);
        return rows.Count switch
        {
            1 when rows[0].Deleted == 0 => rows[0],
            0 or 1 => throw new AssignmentRefusedException(RefusalReason.DeviceNotFound, $"no device {k.Word} ('usbpassctl list' shows the devices)"),
            _ => throw new AssignmentRefusedException(RefusalReason.DeviceAmbiguous, $"{rows.Count} devices match {k.Word}: use its port (usbpassctl list)"),
        };
    }

    // Eligibility is the policy's (CheckPolicy), judged as the host is now; these are the facts before it.
    public static void CheckPassable(DeviceRow row)
    {
        if (row.VendorId is null || row.ProductId is null || row.BusId is null || row.DeviceId is null)
        {
            throw new AssignmentRefusedException(RefusalReason.NotPassable, $"device row {row.Id} has no bus/device or ids (a seed-era row): wait for usbpassd to see it plugged in");
        }

        if (row.Present == 0)
        {
            throw new AssignmentRefusedException(RefusalReason.NotPassable, $"device {row.PortId} is not plugged in now");
        }
    }

    /// <summary>Judges the device as the host is now; a refusal is recorded and thrown, an allow names its rule.</summary>
    public Actor CheckPolicy(DeviceRow row, string instance, string action, Actor by)
    {
        DeviceJudgement? judged = policy?.Invoke(row);
        if (judged is null && row.Eligible == 0)
        {
            judged = new(row.IneligibleReason, null, $"a {row.IneligibleReason?.Replace('_', ' ')} is never passed to a VM");
        }

        if (judged is null)
        {
            return by;
        }

        if (judged.IneligibleReason is not null)
        {
            Counters.CountRefused();
            ledger.RecordRefusal(row, instance, action, judged.Reason ?? judged.IneligibleReason, by.WithRule(judged.Rule));
            throw new AssignmentRefusedException(RefusalReason.PolicyRefused, $"device {row.PortId} may not be passed to a VM: {judged.Reason} (usbpassctl policy check {row.PortId})");
        }

        return by.WithRule(judged.Rule);
    }

    /// <summary>The policy's judgement of a device as the host is now (null: no policy, or not plugged in).</summary>
    public DeviceJudgement? Judge(DeviceRow row) => policy?.Invoke(row);

    /// <summary>What a live migration does with a device nobody said anything about: the policy rule's word, else by its serial.</summary>
    public Migration.MigrationDecision DefaultMigration(DeviceRow row) => Judge(row)?.Migration ?? Migration.MigrationDecisions.Default(row.Serial);

    public Claim Claim(DeviceRow row, string instance, ClaimState state, TimeSpan? ttl, string missingPolicy, bool persistent, long? token, Actor by, ClaimOrigin origin = ClaimOrigin.Local, Migration.MigrationDecision? migration = null)
    {
        try
        {
            return ledger.Claim(row, instance, state, ttl, HostdevXml.Alias(row.DevId!), missingPolicy, persistent, token, by, origin, migration);
        }
        catch (OwnershipConflictException e)
        {
            throw Owned(e);
        }
        catch (ReservationGoneException e)
        {
            throw new AssignmentRefusedException(RefusalReason.ReservationGone, e.Message);
        }
        catch (ClaimInUseException e)
        {
            throw InUse(e);
        }
    }

    public static AssignmentRefusedException InUse(ClaimInUseException e) => new(RefusalReason.NotHeld, e.Message);

    public static AssignmentRefusedException Owned(OwnershipConflictException e) => new(RefusalReason.Owned, e.Message, e.Owner);

    public LibvirtConnection Connection() =>
        libvirt() ?? throw new AssignmentRefusedException(RefusalReason.LibvirtUnavailable, "usbpassd is not connected to libvirtd: it is restarting or stopped (usbpassd reconnects by itself: ask again in a moment; 'usbpassctl host' shows the connection), or usbpassd runs with --libvirt-uri none");

    public static LibvirtDomain FindDomain(LibvirtConnection connection, string instance)
    {
        try
        {
            return connection.FindDomain(instance);
        }
        catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
        {
            throw new AssignmentRefusedException(RefusalReason.InstanceNotFound, $"no libvirt domain {instance} (virsh list --all shows them)");
        }
        catch (LibvirtException e)
        {
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, e.Message);
        }
    }

    /// <summary>The outcome with the device's row read again (the claim changed its status).</summary>
    /// <summary>
    /// The claim an operation confirmed, as its caller is told it: the ledger's row while it is still that
    /// claim (same instance, same token), else the claim as confirmed. Between the confirm and this read the
    /// device may have been detached and taken by another instance: its token is not this caller's to hear.
    /// </summary>
    public Claim Confirmed(Claim claim, ClaimState state) =>
        ledger.Get(claim.DevId) is { } now && now.InstanceUuid == claim.InstanceUuid && now.Token == claim.Token ? now : claim with { State = state };

    public AssignmentOutcome Outcome(long rowId, Claim? claim) =>
        new(devices.Get(rowId) ?? throw new AssignmentRefusedException(RefusalReason.DeviceNotFound, "the device row vanished"), claim);

    // The hostdev for a row as it is now (bus/device change with every replug).
    public static string Hostdev(DeviceRow row, string alias, string policy, GuestUsbAddress? guest = null) =>
        HostdevXml.Build(Convert.ToUInt16(row.VendorId, 16), Convert.ToUInt16(row.ProductId, 16), (int)row.BusId!, (int)row.DeviceId!, alias, policy, guest);

    public static string BaseStatus(DeviceRow row) =>
        row.Eligible == 0 ? DeviceStatus.Blocked : row.Ambiguous != 0 ? DeviceStatus.Ambiguous : DeviceStatus.Available;

    public static bool IsActive(LibvirtDomain domain) =>
        domain.State is DomainState.Running or DomainState.Paused or DomainState.Blocked or DomainState.PmSuspended;

    public static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid($"{name} is required") : value;

    public static AssignmentRefusedException Invalid(string message) => new(RefusalReason.InvalidRequest, message);

    public static double Ms(long since) => System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalMilliseconds;
}
