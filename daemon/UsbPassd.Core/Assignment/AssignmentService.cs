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
/// <remarks>
/// <paramref name="policy"/> judges a device again, with the host as it is now (a disk mounted since
/// the scan), before it is reserved or attached; a refusal is recorded in the history.
/// </remarks>
public sealed partial class AssignmentService(DeviceRepository devices, AssignmentRepository ledger, Func<LibvirtConnection?> libvirt, Func<DeviceRow, Devices.DeviceJudgement?>? policy = null)
{
    // Devices an operation of this process is moving right now (claim written, libvirt called, the
    // confirm still to come). Reconcile leaves them to it: the 'attaching' and 'detaching' claims it
    // settles are only those a crash left behind, not one a lifecycle event caught half way.
    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    public Metrics.AssignmentCounters Counters { get; } = new();

    public AssignmentResult Reserve(ReserveParams p, Actor by)
    {
        DeviceRow row = Resolve(p.Device);
        string instance = Required(p.InstanceUuid, "instance_uuid");
        CheckPassable(row);
        TimeSpan? ttl = p.TtlSeconds is int s ? (s > 0 ? TimeSpan.FromSeconds(s) : throw Invalid("ttl_seconds must be positive")) : null;
        by = CheckPolicy(row, instance, "reserve", by);
        Registry.Assignment claim = Claim(row, instance, "reserved", ttl, "optional", persistent: true, token: null, by);
        return Result(row.Id, claim);
    }

    public AssignmentResult Release(ReleaseParams p, Actor by)
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

        ledger.Release(row, instance, BaseStatus(row), by);
        return Result(row.Id, null);
    }

    public AssignmentResult Attach(AttachParams p, Actor by)
    {
        LibvirtConnection connection = Connection();
        DeviceRow row = Resolve(p.Device);
        CheckPassable(row);
        string missingPolicy = p.MissingPolicy ?? "optional";
        if (missingPolicy is not ("optional" or "mandatory"))
        {
            throw Invalid("missing_policy must be optional or mandatory");
        }

        using LibvirtDomain domain = FindDomain(connection, Required(p.Instance, "instance"));
        var (flags, refusal) = AttachFlags.For(domain.State, domain.Persistent, p.Mode ?? "auto", domain.Name);
        if (refusal is not null)
        {
            throw new RpcException(ErrorCodes.NotPossible, refusal);
        }

        // Ports are counted where the device goes: the running guest, or the next boot's definition.
        bool live = (flags & AttachFlags.Live) != 0;
        string xml = connection.Xml(domain, inactive: !live);
        GuestPortPlan plan = GuestPortPlan.For(GuestUsbPorts.Buses(xml), p.Controller, live, GuestUsbPorts.NextControllerIndex(xml), domain.Name);
        if (plan.Refusal is not null)
        {
            throw new RpcException(ErrorCodes.NotPossible, plan.Refusal);
        }

        by = CheckPolicy(row, domain.Uuid, "attach", by);
        using InFlight busy = Moving(row);
        Registry.Assignment claim = Claim(row, domain.Uuid, "attaching", null, missingPolicy, (flags & AttachFlags.Config) != 0, p.Token, by);
        try
        {
            if (plan.AddController is string model)
            {
                connection.Attach(domain, HostdevXml.Controller(model, plan.Address!.Bus), AttachFlags.Config);
            }

            connection.Attach(domain, Hostdev(row, claim.Alias, missingPolicy, plan.Address), flags);
        }
        catch (LibvirtException e)
        {
            ledger.SetState(row, domain.Uuid, "reserved", by); // roll back: still reserved to the instance, not attached
            Counters.CountAttachFailed();
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to attach {row.PortId} to {domain.Name}: {e.Message}");
        }

        ledger.SetState(row, domain.Uuid, "attached", by);
        Counters.CountAttached();
        return Result(row.Id, ledger.Get(row.DevId!) ?? claim);
    }

    private bool IsMoving(string devId) => _inFlight.ContainsKey(devId);

    private InFlight Moving(params DeviceRow[] rows)
    {
        string[] ids = [.. rows.Select(r => r.DevId!)];
        foreach (string id in ids)
        {
            _inFlight.AddOrUpdate(id, 1, (_, n) => n + 1);
        }

        return new InFlight(_inFlight, ids);
    }

    private sealed class InFlight(ConcurrentDictionary<string, int> set, string[] ids) : IDisposable
    {
        public void Dispose()
        {
            foreach (string id in ids)
            {
                if (set.AddOrUpdate(id, 0, (_, n) => n - 1) <= 0)
                {
                    set.TryRemove(new KeyValuePair<string, int>(id, 0));
                }
            }
        }
    }

    private static bool IsActive(LibvirtDomain domain) =>
        domain.State is DomainState.Running or DomainState.Paused or DomainState.Blocked or DomainState.PmSuspended;

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

    /// <summary>Judges the device as the host is now; a refusal is recorded and thrown, an allow names its rule.</summary>
    private Actor CheckPolicy(DeviceRow row, string instance, string action, Actor by)
    {
        Devices.DeviceJudgement? judged = policy?.Invoke(row);
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
            throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} may not be passed to a VM: {judged.Reason} (usbpassctl policy check {row.PortId})");
        }

        return by.WithRule(judged.Rule);
    }

    private Registry.Assignment Claim(DeviceRow row, string instance, string state, TimeSpan? ttl, string missingPolicy, bool persistent, long? token, Actor by)
    {
        try
        {
            Registry.Assignment claim = ledger.Claim(row, instance, state, ttl, HostdevXml.Alias(row.DevId!), missingPolicy, persistent, token, by);
            return claim;
        }
        catch (OwnershipConflictException e)
        {
            throw Owned(e);
        }
        catch (ReservationGoneException e)
        {
            throw new RpcException(ErrorCodes.NotPossible, e.Message);
        }
    }

    private static RpcException Owned(OwnershipConflictException e) =>
        new(ErrorCodes.DeviceOwned, e.Message, JsonSerializer.SerializeToElement(
            new Dictionary<string, string?> { ["instance_uuid"] = e.Owner.InstanceUuid, ["state"] = e.Owner.State, ["since"] = e.Owner.CreatedAt },
            AssignmentJson.Default.DictionaryStringString));

    /// <summary>The one live row a selector (id, port_id, address, dev_id) names; an RPC error otherwise.</summary>
    public DeviceRow Resolve(string? selector)
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
    private static string Hostdev(DeviceRow row, string alias, string policy, GuestUsbAddress? guest = null) =>
        HostdevXml.Build(Convert.ToUInt16(row.VendorId, 16), Convert.ToUInt16(row.ProductId, 16), (int)row.BusId!, (int)row.DeviceId!, alias, policy, guest);

    // Eligibility is the policy's (CheckPolicy), judged as the host is now; these are the facts before it.
    private static void CheckPassable(DeviceRow row)
    {
        if (row.VendorId is null || row.ProductId is null || row.BusId is null || row.DeviceId is null)
        {
            throw new RpcException(ErrorCodes.NotPossible, $"device row {row.Id} has no bus/device or ids (a seed-era row): wait for usbpassd to see it plugged in");
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
