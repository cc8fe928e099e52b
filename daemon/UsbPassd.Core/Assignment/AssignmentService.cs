using System.Collections.Concurrent;
using System.Text.Json;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// Ownership and passthrough: reserve, attach, detach, release (virHostdevPrepareUSBDevices'
/// two-phase idea): the ledger is claimed first (one transaction; the loser is told the owner),
/// then libvirt acts, then the claim is confirmed, or rolled back when libvirt refuses. A live
/// detach is done only when libvirt's device-removed event for our alias arrives.
/// </summary>
public sealed class AssignmentService(DeviceRepository devices, AssignmentRepository ledger, DeviceView view, Func<LibvirtConnection?> libvirt)
{
    private static readonly TimeSpan DetachConfirmation = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<(string Uuid, string Alias), TaskCompletionSource> _removals = new();

    /// <summary>Called from the libvirt event loop: completes a pending live detach.</summary>
    public void OnDeviceRemoved(string domainUuid, string alias)
    {
        if (_removals.TryRemove((domainUuid, alias), out TaskCompletionSource? done))
        {
            done.TrySetResult();
        }
    }

    public AssignmentResult Reserve(ReserveParams p)
    {
        DeviceRow row = Resolve(p.Device);
        string instance = Required(p.InstanceUuid, "instance_uuid");
        CheckPassable(row);
        TimeSpan? ttl = p.TtlSeconds is int s ? (s > 0 ? TimeSpan.FromSeconds(s) : throw Invalid("ttl_seconds must be positive")) : null;
        Registry.Assignment claim = Claim(row, instance, "reserved", ttl, "optional", persistent: true, token: null);
        return Result(row.Id, claim);
    }

    public AssignmentResult Release(ReleaseParams p)
    {
        DeviceRow row = Resolve(p.Device);
        string instance = Required(p.InstanceUuid, "instance_uuid");
        Registry.Assignment? current = ledger.Get(row.DevId!);
        if (current is null || current.InstanceUuid != instance)
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is not reserved by {instance}");
        }

        if (current.State != "reserved")
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is {current.State} to {instance}: detach it first (usbpassctl detach {row.PortId} {instance})");
        }

        ledger.Release(row, instance, BaseStatus(row));
        view.Refresh();
        return Result(row.Id, null);
    }

    public AssignmentResult Attach(AttachParams p)
    {
        LibvirtConnection connection = Connection();
        DeviceRow row = Resolve(p.Device);
        CheckPassable(row);
        string policy = p.MissingPolicy ?? "optional";
        if (policy is not ("optional" or "mandatory"))
        {
            throw Invalid("missing_policy must be optional or mandatory");
        }

        using LibvirtDomain domain = FindDomain(connection, Required(p.Instance, "instance"));
        var (flags, refusal) = AttachFlags.For(domain.State, domain.Persistent, p.Mode ?? "auto", domain.Name);
        if (refusal is not null)
        {
            throw new RpcException(ErrorCodes.NotPossible, refusal);
        }

        Registry.Assignment claim = Claim(row, domain.Uuid, "attaching", null, policy, (flags & AttachFlags.Config) != 0, p.Token);
        try
        {
            connection.Attach(domain, Hostdev(row, claim.Alias, policy), flags);
        }
        catch (LibvirtException e)
        {
            ledger.SetState(row, domain.Uuid, "reserved"); // roll back: still reserved to the instance, not attached
            view.Refresh();
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to attach {row.PortId} to {domain.Name}: {e.Message}");
        }

        ledger.SetState(row, domain.Uuid, "attached");
        view.Refresh();
        return Result(row.Id, ledger.Get(row.DevId!) ?? claim);
    }

    public async Task<AssignmentResult> DetachAsync(DetachParams p, CancellationToken ct)
    {
        LibvirtConnection connection = Connection();
        DeviceRow row = Resolve(p.Device);
        using LibvirtDomain domain = FindDomain(connection, Required(p.Instance, "instance"));
        Registry.Assignment current = ledger.Get(row.DevId!) is { } a && a.InstanceUuid == domain.Uuid && a.State is "attached" or "attaching" or "detaching"
            ? a
            : throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is not attached to {domain.Name}");
        bool live = domain.State is DomainState.Running or DomainState.Paused or DomainState.Blocked or DomainState.PmSuspended;
        uint flags = p.Mode switch
        {
            "live" => AttachFlags.Live,
            "config" => AttachFlags.Config,
            _ => (live ? AttachFlags.Live : 0) | (current.Persistent != 0 && domain.Persistent ? AttachFlags.Config : 0),
        };
        ledger.SetState(row, domain.Uuid, "detaching");
        TaskCompletionSource? removed = null;
        if ((flags & AttachFlags.Live) != 0)
        {
            removed = _removals.GetOrAdd((domain.Uuid, current.Alias), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        try
        {
            connection.DetachAlias(domain, current.Alias, flags);
            if (removed is not null)
            {
                await removed.Task.WaitAsync(DetachConfirmation, ct);
            }
        }
        catch (LibvirtException e)
        {
            _removals.TryRemove((domain.Uuid, current.Alias), out _);
            ledger.SetState(row, domain.Uuid, "attached");
            view.Refresh();
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to detach {row.PortId} from {domain.Name}: {e.Message}");
        }
        catch (TimeoutException)
        {
            _removals.TryRemove((domain.Uuid, current.Alias), out _);
            view.Refresh();
            throw new RpcException(ErrorCodes.LibvirtFailed, $"{domain.Name} did not confirm removing {row.PortId} within {DetachConfirmation.TotalSeconds:0} s; it stays 'detaching' until libvirt reports it");
        }

        ledger.Release(row, domain.Uuid, BaseStatus(row));
        view.Refresh();
        return Result(row.Id, null);
    }

    /// <summary>What following one commit did, for the log.</summary>
    public sealed record Followed(string What, string PortId, string Instance, double TotalMs, double LibvirtMs);

    /// <summary>
    /// Follows the registry after a commit (never on the pipeline thread): a device attached to a VM
    /// that left (status missing) loses its stale hostdev while the VM runs on; when the same dev_id
    /// comes back (renumbered, owner carried) it is attached again to the same VM, live and in the
    /// definition. Ambiguous devices are never matched automatically.
    /// </summary>
    public IReadOnlyList<Followed> Follow(IReadOnlyList<RowChange> changes)
    {
        List<Followed> done = [];
        foreach (RowChange change in changes)
        {
            if (devices.Get(change.RowId) is not DeviceRow row || row.DevId is null || row.Deleted != 0
                || ledger.Get(row.DevId) is not { State: "attached" } claim || libvirt() is not LibvirtConnection connection)
            {
                continue;
            }

            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                using LibvirtDomain domain = connection.FindDomain(claim.InstanceUuid);
                bool running = domain.State is DomainState.Running or DomainState.Paused or DomainState.Blocked or DomainState.PmSuspended;
                if (change.Kind == RowChangeKind.Changed && row.Status == DeviceStatus.Missing && running)
                {
                    TryDetach(connection, domain, claim.Alias, AttachFlags.Live);
                    done.Add(new Followed("stale hostdev removed", row.PortId ?? "?", domain.Name, Ms(start), Ms(start)));
                }
                else if (change.Kind == RowChangeKind.Added && change.ReplacesId is not null && row.Present != 0 && row.Ambiguous == 0
                    && row.InstanceUuid == claim.InstanceUuid)
                {
                    string xml = Hostdev(row, claim.Alias, claim.StartupPolicy);
                    long libvirtStart = System.Diagnostics.Stopwatch.GetTimestamp();
                    if (running)
                    {
                        TryDetach(connection, domain, claim.Alias, AttachFlags.Live); // in case the stale one is still there
                        connection.Attach(domain, xml, AttachFlags.Live);
                    }

                    if (claim.Persistent != 0 && domain.Persistent)
                    {
                        // The definition still names the old bus/device: point it at the new one.
                        TryDetach(connection, domain, claim.Alias, AttachFlags.Config);
                        connection.Attach(domain, xml, AttachFlags.Config);
                    }

                    double libvirtMs = Ms(libvirtStart);
                    ledger.SetState(row, claim.InstanceUuid, "attached");
                    view.Refresh();
                    done.Add(new Followed("re-attached", row.PortId ?? "?", domain.Name, Ms(start), libvirtMs));
                }
            }
            catch (Exception e) when (e is LibvirtException or RpcException or FormatException)
            {
                done.Add(new Followed($"could not follow: {e.Message}", row.PortId ?? "?", claim.InstanceUuid, Ms(start), 0));
            }
        }

        return done;
    }

    /// <summary>
    /// Makes the ledger agree with libvirt (at start and after a reconnect): our alias in a domain's
    /// live or persistent XML is the truth. A claim left attaching or detaching by a crash is settled
    /// by it, a claim whose domain no longer exists is released, an attached claim whose hostdev is
    /// gone falls back to reserved.
    /// </summary>
    public IReadOnlyList<Followed> Reconcile()
    {
        List<Followed> done = [];
        if (libvirt() is not LibvirtConnection connection)
        {
            return done;
        }

        foreach (Registry.Assignment claim in ledger.All())
        {
            IReadOnlyList<DeviceRow> rows = devices.Find(null, claim.DevId, null, null);
            if (rows.Count == 0)
            {
                continue;
            }

            DeviceRow row = rows[0];

            LibvirtDomain domain;
            try
            {
                domain = connection.FindDomain(claim.InstanceUuid);
            }
            catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
            {
                ledger.Release(row, claim.InstanceUuid, BaseStatus(row));
                done.Add(new Followed("released (its domain no longer exists)", row.PortId ?? "?", claim.InstanceUuid, 0, 0));
                continue;
            }

            using (domain)
            {
                bool present = DomainXml.UsbHostdevs(connection.Xml(domain)).Any(h => h.Alias == claim.Alias)
                    || (domain.Persistent && DomainXml.UsbHostdevs(connection.Xml(domain, inactive: true)).Any(h => h.Alias == claim.Alias));
                string? settled = (claim.State, present) switch
                {
                    ("attaching", true) or ("detaching", true) => "attached",
                    ("attaching", false) or ("attached", false) when row.Present != 0 => "reserved",
                    ("detaching", false) => "released",
                    _ => null,
                };
                if (settled == "released")
                {
                    ledger.Release(row, claim.InstanceUuid, BaseStatus(row));
                }
                else if (settled is not null)
                {
                    ledger.SetState(row, claim.InstanceUuid, settled);
                }

                if (settled is not null)
                {
                    done.Add(new Followed($"{claim.State} settled as {settled} (libvirt's XML)", row.PortId ?? "?", domain.Name, 0, 0));
                }
            }
        }

        view.Refresh();
        return done;
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

    private static double Ms(long since) => System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalMilliseconds;

    public DeviceRecord[] OfInstance(InstanceParams p)
    {
        string instance = Required(p.Instance, "instance");
        if (!Guid.TryParse(instance, out _) && libvirt() is LibvirtConnection c)
        {
            using LibvirtDomain d = FindDomain(c, instance);
            instance = d.Uuid;
        }

        return [.. ledger.OfInstance(instance).SelectMany(a => devices.Find(null, a.DevId, null, null)).Select(r => r.ToRecord())];
    }

    private Registry.Assignment Claim(DeviceRow row, string instance, string state, TimeSpan? ttl, string policy, bool persistent, long? token)
    {
        try
        {
            Registry.Assignment claim = ledger.Claim(row, instance, state, ttl, HostdevXml.Alias(row.DevId!), policy, persistent, token);
            view.Refresh();
            return claim;
        }
        catch (OwnershipConflictException e)
        {
            throw new RpcException(ErrorCodes.DeviceOwned, e.Message, JsonSerializer.SerializeToElement(
                new Dictionary<string, string?> { ["instance_uuid"] = e.Owner.InstanceUuid, ["state"] = e.Owner.State, ["since"] = e.Owner.CreatedAt },
                AssignmentJson.Default.DictionaryStringString));
        }
    }

    private DeviceRow Resolve(string? selector)
    {
        DevicesGetParams s = DeviceSelector.Parse(Required(selector, "device"));
        IReadOnlyList<DeviceRow> rows = devices.Find(s.Id, s.DevId, s.PortId, s.Address);
        return rows.Count switch
        {
            1 when rows[0].Deleted == 0 => rows[0],
            0 or 1 => throw new RpcException(ErrorCodes.DeviceNotFound, $"no device {selector} ('usbpassctl list' shows the devices)"),
            _ => throw new RpcException(ErrorCodes.DeviceAmbiguous, $"{rows.Count} devices match {selector}: use its port (usbpassctl list)"),
        };
    }

    // The hostdev for a row as it is now (bus/device change with every replug).
    private static string Hostdev(DeviceRow row, string alias, string policy) =>
        HostdevXml.Build(Convert.ToUInt16(row.VendorId, 16), Convert.ToUInt16(row.ProductId, 16), (int)row.BusId!, (int)row.DeviceId!, alias, policy);

    private static void CheckPassable(DeviceRow row)
    {
        if (row.VendorId is null || row.ProductId is null || row.BusId is null || row.DeviceId is null)
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device row {row.Id} has no bus/device or ids (a seed-era row): wait for usbpassd to see it plugged in");
        }

        if (row.Eligible == 0)
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is a {row.IneligibleReason?.Replace('_', ' ')}: never passed to a VM");
        }

        if (row.Present == 0)
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is not plugged in now");
        }
    }

    private LibvirtConnection Connection() =>
        libvirt() ?? throw new RpcException(ErrorCodes.NotPossible, "usbpassd runs without libvirt (--libvirt-uri none) or cannot reach libvirtd now");

    private static LibvirtDomain FindDomain(LibvirtConnection connection, string instance)
    {
        try
        {
            return connection.FindDomain(instance);
        }
        catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
        {
            throw new RpcException(ErrorCodes.InstanceNotFound, $"no libvirt domain {instance} (virsh list --all shows them)");
        }
        catch (LibvirtException e)
        {
            throw new RpcException(ErrorCodes.LibvirtFailed, e.Message);
        }
    }

    private AssignmentResult Result(long rowId, Registry.Assignment? claim) => new()
    {
        Device = (devices.Get(rowId) ?? throw new RpcException(ErrorCodes.DeviceNotFound, "the device row vanished")).ToRecord(),
        InstanceUuid = claim?.InstanceUuid,
        State = claim?.State,
        Token = claim?.Token,
        ExpiresAt = claim?.ExpiresAt,
        Alias = claim?.Alias,
    };

    private static string BaseStatus(DeviceRow row) =>
        row.Eligible == 0 ? DeviceStatus.Blocked : row.Ambiguous != 0 ? DeviceStatus.Ambiguous : DeviceStatus.Available;

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid($"{name} is required") : value;

    private static RpcException Invalid(string message) => new(ErrorCodes.InvalidParams, message);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class AssignmentJson : System.Text.Json.Serialization.JsonSerializerContext;
