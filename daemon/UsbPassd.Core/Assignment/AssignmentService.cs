using UsbPassd.Devices;
using UsbPassd.Libvirt;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// Ownership and passthrough, one operation a class (<see cref="ReserveOperation"/>,
/// <see cref="AttachOperation"/>, <see cref="DetachOperation"/>, <see cref="SwapOperation"/>,
/// <see cref="FollowOperation"/>, <see cref="ReconcileOperation"/>) over one shared
/// <see cref="AssignmentCore"/>; this is their entry point for the RPC methods and the services.
/// Requests and outcomes are domain types; a refusal is an <see cref="AssignmentRefusedException"/> (the RPC
/// edge maps its reason to the wire's error code).
/// </summary>
/// <remarks>
/// <paramref name="policy"/> judges a device again, with the host as it is now (a disk mounted since
/// the scan), before it is reserved or attached; a refusal is recorded in the history.
/// </remarks>
public sealed class AssignmentService
{
    private readonly AssignmentCore _core;
    private readonly ReserveOperation _reserve;
    private readonly AttachOperation _attach;
    private readonly DetachOperation _detach;
    private readonly SwapOperation _swap;
    private readonly FollowOperation _follow;
    private readonly ReconcileOperation _reconcile;
    private readonly MigrationOperation _migration;

    /// <param name="removals">Where libvirt's device-removed events complete our live detaches (the libvirt service holds the same one); a new one when null.</param>
    public AssignmentService(DeviceRepository devices, AssignmentRepository ledger, Func<LibvirtConnection?> libvirt, Func<DeviceRow, DeviceJudgement?>? policy = null, Removals? removals = null)
    {
        _core = new AssignmentCore(devices, ledger, libvirt, policy, removals ?? new Removals());
        _reserve = new ReserveOperation(_core);
        _follow = new FollowOperation(_core);
        _migration = new MigrationOperation(_core, _follow);
        _detach = new DetachOperation(_core, _migration);
        _swap = new SwapOperation(_core, _migration);
        _attach = new AttachOperation(_core, _migration);
        _reconcile = new ReconcileOperation(_core, _follow, _migration);
    }

    public Metrics.AssignmentCounters Counters => _core.Counters;

    /// <summary>An operation ended on a device a reconcile pass had to leave to it (<see cref="AssignmentCore.PassOver"/>): reconcile again.</summary>
    public event Action? ReconcileOwed
    {
        add => _core.PassOwed += value;
        remove => _core.PassOwed -= value;
    }

    public AssignmentOutcome Reserve(ReserveRequest r, Actor by) => Guarded(() => _reserve.Reserve(r, by));

    public AssignmentOutcome Release(ReleaseRequest r, Actor by) => Guarded(() => _reserve.Release(r, by));

    public AssignmentOutcome Attach(AttachRequest r, Actor by) => Guarded(() => _attach.Attach(r, by));

    /// <summary>Detaches by alias; the caller may stop waiting, the claim is settled all the same.</summary>
    public Task<AssignmentOutcome> DetachAsync(DetachRequest r, Actor by, CancellationToken ct) => GuardedAsync(() => _detach.DetachAsync(r, by, ct));

    public Task<AssignmentOutcome> SwapAsync(SwapRequest r, Actor by, CancellationToken ct) => GuardedAsync(() => _swap.SwapAsync(r, by, ct));

    // libvirtd restarting under a call: a read of the domain's XML that the reset connection broke, or a
    // connection the reconnect had just closed. The operations roll back what libvirt refused where they
    // call it; these reach the caller as a refusal with what to do, not as an internal error, and a claim
    // left attaching or detaching is settled against libvirt's XML when it answers again (reconcile).
    private static AssignmentOutcome Guarded(Func<AssignmentOutcome> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            throw refusal;
        }
    }

    private static async Task<AssignmentOutcome> GuardedAsync(Func<Task<AssignmentOutcome>> operation)
    {
        try
        {
            return await operation();
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            throw refusal;
        }
    }

    private static AssignmentRefusedException? Refusal(Exception e) => e switch
    {
        LibvirtException l => new AssignmentRefusedException(RefusalReason.LibvirtFailed,
            $"libvirt failed to {l.Message}; if libvirtd is restarting, ask again once it is back ('usbpassctl host' shows the connection; a half-done change is settled against libvirt's XML then)"),
        ObjectDisposedException { ObjectName: "SafeVirConnectHandle" or "SafeVirDomainHandle" } => new AssignmentRefusedException(RefusalReason.LibvirtUnavailable,
            "libvirtd restarted during the call and usbpassd is connecting again: ask again in a moment ('usbpassctl host' shows the connection)"),
        _ => null,
    };

    /// <inheritdoc cref="FollowOperation.Follow"/>
    public IReadOnlyList<Followed> Follow(IReadOnlyList<RowChange> changes, long? committedAt = null) => _follow.Follow(changes, committedAt);

    /// <inheritdoc cref="ReconcileOperation.Reconcile"/>
    public IReadOnlyList<Followed> Reconcile() => _reconcile.Reconcile();

    /// <summary>
    /// Passes, live, what Placement allocated to <paramref name="instanceUuid"/> and is still only
    /// reserved here, when its domain runs. A domain that is not running, or not defined yet, gets
    /// them when it starts (the caller asks again then): nothing is written into its definition,
    /// which belongs to whoever defines it (Nova rewrites it at every hard reboot).
    /// </summary>
    public IReadOnlyList<AssignmentOutcome> AttachAllocated(string instanceUuid, Actor by)
    {
        Claim[] waiting = [.. _core.Ledger.OfInstance(instanceUuid).Where(c => c.Origin == ClaimOrigin.Placement && c.State == ClaimState.Reserved)];
        if (waiting.Length == 0 || _core.Libvirt is not LibvirtConnection c)
        {
            return [];
        }

        try
        {
            using LibvirtDomain domain = c.FindDomain(instanceUuid);
            if (domain.State is not (DomainState.Running or DomainState.Paused or DomainState.Blocked))
            {
                return [];
            }
        }
        catch (LibvirtException)
        {
            return []; // not defined yet, or libvirtd restarting: its lifecycle event brings us back
        }

        return [.. waiting.Select(claim => Attach(new AttachRequest(new DeviceKey(claim.DevId, DevId: claim.DevId), instanceUuid, Mode: "live", Token: claim.Token), by))];
    }

    /// <inheritdoc cref="MigrationOperation.Prepare"/>
    public IncomingPrepared PrepareIncoming(Migration.IncomingDomain incoming) => _migration.Prepare(incoming);

    /// <inheritdoc cref="MigrationOperation.Arrive"/>
    public IReadOnlyList<Followed>? Arrive(string instanceUuid) => _migration.Arrive(instanceUuid);

    /// <inheritdoc cref="MigrationOperation.Abandon"/>
    public IReadOnlyList<string> AbandonIncoming(string instanceUuid) => _migration.Abandon(instanceUuid);

    /// <inheritdoc cref="MigrationOperation.Departed"/>
    public IReadOnlyList<string> Departed(string instanceUuid) => _migration.Departed(instanceUuid);

    /// <inheritdoc cref="MigrationOperation.SetMigration"/>
    public AssignmentOutcome SetMigration(DeviceKey? device, Migration.MigrationDecision decision, Actor by) => _migration.SetMigration(device, decision, by);

    /// <summary>The instances with an incoming migration's reservation here (after a restart: the migrations to watch).</summary>
    public IReadOnlyList<string> IncomingInstances() => [.. _core.Ledger.All().Where(c => c.Incoming).Select(c => c.InstanceUuid).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>What a live migration would do with each device <paramref name="instance"/> holds, by the claims' decisions.</summary>
    public IReadOnlyList<(DeviceRow Row, Claim Claim, Migration.MigrationDecision Decision)> MigrationDecisionsOf(string? instance) =>
        [.. OfInstance(instance).SelectMany(row => _core.Ledger.Get(row.DevId!) is Claim c && c.State != ClaimState.External
            ? [(row, c, c.Migration ?? _core.DefaultMigration(row))]
            : Array.Empty<(DeviceRow, Claim, Migration.MigrationDecision)>())];

    /// <summary>The one live row a key names; refused (not found, ambiguous) otherwise.</summary>
    public DeviceRow Resolve(DeviceKey? device) => _core.Resolve(device);

    /// <summary>The live rows an instance (UUID, or a libvirt domain's name) holds.</summary>
    public IReadOnlyList<DeviceRow> OfInstance(string? instance) =>
        [.. _core.Ledger.OfInstance(InstanceUuid(instance)).SelectMany(a => _core.Devices.Find(null, a.DevId, null, null))];

    /// <summary>An instance's UUID: as given, or the libvirt domain's of that name.</summary>
    public string InstanceUuid(string? instance)
    {
        string name = AssignmentCore.Required(instance, "instance");
        if (!Guid.TryParse(name, out _) && _core.Libvirt is LibvirtConnection c)
        {
            using LibvirtDomain d = AssignmentCore.FindDomain(c, name);
            name = d.Uuid;
        }

        return name;
    }

    /// <summary>The label of the policy rule that allows a device (what an equivalent must carry too).</summary>
    public string? LabelOf(DeviceRow row) => _core.Judge(row)?.Label;
}
