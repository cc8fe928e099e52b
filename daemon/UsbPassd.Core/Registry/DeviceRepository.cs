using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Devices;

namespace UsbPassd.Registry;

/// <summary>All SQL about <c>usb_devices</c> and its history.</summary>
public sealed class DeviceRepository(RegistryDatabase database, UsbIds names, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The columns of <see cref="DeviceRow"/>, for every query and RETURNING clause that reads one.</summary>
    internal const string Columns = """
        created_at, updated_at, deleted_at, deleted, id, compute_node_id, address, product_id, vendor_id,
        bus_id, device_id, port_id, dev_id, status, extra_info, instance_uuid, previous_id, serial, present,
        ambiguous, eligible, ineligible_reason, sysfs_path, last_seen_at
        """;

    /// <summary>Live rows (not deleted) of this host, by id.</summary>
    public IReadOnlyList<DeviceRow> ListLive()
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<DeviceRow>($"SELECT {Columns} FROM usb_devices WHERE deleted = 0 AND compute_node_id = @node ORDER BY id", new { node = RegistryDatabase.LocalComputeNodeId })];
    }

    /// <summary>Every row, deleted ones included, by id.</summary>
    public IReadOnlyList<DeviceRow> ListAll()
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<DeviceRow>($"SELECT {Columns} FROM usb_devices ORDER BY id")];
    }

    public DeviceRow? Get(long id)
    {
        using SqliteConnection c = database.Connect();
        return c.QuerySingleOrDefault<DeviceRow>($"SELECT {Columns} FROM usb_devices WHERE id = @id", new { id });
    }

    /// <summary><c>devices.list</c>: rows of this host matching every filter given.</summary>
    public IReadOnlyList<DeviceRow> List(string? status = null, string? vendorId = null, string? productId = null, string? serial = null, string? instanceUuid = null, bool includeDeleted = false)
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<DeviceRow>(
            $"""
            SELECT {Columns} FROM usb_devices
            WHERE compute_node_id = @node AND (@includeDeleted OR deleted = 0)
              AND (@status IS NULL OR status = @status) AND (@vendorId IS NULL OR vendor_id = lower(@vendorId))
              AND (@productId IS NULL OR product_id = lower(@productId)) AND (@serial IS NULL OR serial = @serial)
              AND (@instanceUuid IS NULL OR instance_uuid = @instanceUuid)
            ORDER BY id
            """,
            new { node = RegistryDatabase.LocalComputeNodeId, includeDeleted, status, vendorId, productId, serial, instanceUuid })];
    }

    /// <summary>Live rows (deleted ones too for <paramref name="id"/>) by one selector: id, dev_id, port_id or address.</summary>
    public IReadOnlyList<DeviceRow> Find(long? id, string? devId, string? portId, string? address)
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<DeviceRow>(
            $"""
            SELECT {Columns} FROM usb_devices
            WHERE (@id IS NOT NULL AND id = @id)
               OR (deleted = 0 AND ((@devId IS NOT NULL AND dev_id = @devId) OR (@portId IS NOT NULL AND port_id = @portId)
                   OR (@address IS NOT NULL AND address = @address)))
            ORDER BY id
            """,
            new { id, devId, portId, address })];
    }

    /// <summary>Live rows by status, for host.info and STATUS=.</summary>
    public IReadOnlyDictionary<string, int> CountByStatus()
    {
        using SqliteConnection c = database.Connect();
        return c.Query<StatusCount>(
                "SELECT status AS Status, count(*) AS Count FROM usb_devices WHERE deleted = 0 AND compute_node_id = @node GROUP BY status ORDER BY status",
                new { node = RegistryDatabase.LocalComputeNodeId })
            .ToDictionary(r => r.Status, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> entries for a dev_id and/or an instance, older than
    /// <paramref name="beforeId"/> when given, oldest first. Pages walk back by id (the primary key):
    /// each page starts where the last one's oldest entry was, however long the history is.
    /// </summary>
    public IReadOnlyList<HistoryEntry> History(string? devId = null, string? instanceUuid = null, int limit = int.MaxValue, long? beforeId = null)
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<HistoryEntry>(
            """
            SELECT * FROM (
                SELECT id, at, row_id, dev_id, kind, detail FROM usb_device_history
                WHERE (@beforeId IS NULL OR id < @beforeId)
                  AND (@devId IS NULL OR dev_id = @devId)
                  AND (@instanceUuid IS NULL OR json_extract(detail, '$.instance_uuid') = @instanceUuid)
                ORDER BY id DESC LIMIT @limit)
            ORDER BY id
            """,
            new { devId, instanceUuid, limit, beforeId })];
    }

    /// <summary>The feed every commit of this registry publishes to.</summary>
    public RegistryFeed Changes => database.Changes;

    /// <summary>
    /// Reconciles the registry with the devices present now, in one transaction, and publishes the
    /// rows it wrote (as written: every write returns its row) to <see cref="Changes"/>.
    /// </summary>
    public ScanSummary ApplyScan(IReadOnlyList<DiscoveredDevice> present, ChangeCause cause = ChangeCause.Scan)
    {
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        string now = Timestamps.Format(_clock.GetUtcNow()); // once the write lock is held: the history's times follow its order
        List<DeviceRow> live = [.. c.Query<DeviceRow>(
            $"SELECT {Columns} FROM usb_devices WHERE deleted = 0 AND compute_node_id = @node",
            new { node = RegistryDatabase.LocalComputeNodeId }, tx)];
        // The dev_ids go in as one JSON array joined through json_each: Dapper expands `IN @ids` into one
        // parameter per element by reflection, and Dapper.AOT leaves any `IN (... @p ...)` to that path.
        string presentIds = JsonSerializer.Serialize(present.Select(d => d.DevId).Distinct().ToArray(), RegistryJson.Default.StringArray);
        Dictionary<string, long> lastDeleted = c.Query<LastDeleted>(
                "SELECT d.dev_id AS DevId, MAX(d.id) AS Id FROM usb_devices d JOIN json_each(@presentIds) p ON p.value = d.dev_id WHERE d.deleted <> 0 GROUP BY d.dev_id",
                new { presentIds }, tx)
            .ToDictionary(r => r.DevId, r => r.Id, StringComparer.Ordinal);

        var summary = new ScanSummary();
        foreach (DeviceChange change in Reconciliation.Plan(live, present, lastDeleted))
        {
            switch (change)
            {
                case DeviceChange.Added a:
                    DeviceRow added = Insert(c, tx, a.Device, a.Status, a.PreviousId, owner: null, now);
                    Record(c, tx, now, added.Id, a.Device.DevId, a.PreviousId is null ? HistoryKind.Added : HistoryKind.Returned,
                        new AddedDetail(a.Device.Device.PortId, a.Device.Device.Address, a.PreviousId, a.Status));
                    summary.Count(a.PreviousId is null ? HistoryKind.Added : HistoryKind.Returned);
                    summary.Change(RowChangeKind.Added, added, a.PreviousId);
                    break;

                case DeviceChange.Refreshed r when IsUnchanged(r):
                    summary.Count("unchanged");
                    break;

                case DeviceChange.Refreshed r:
                    DeviceRow refreshed = Refresh(c, tx, r.Row.Id, r.Device, r.Status, now);
                    if (r.Row.Status != r.Status)
                    {
                        Record(c, tx, now, r.Row.Id, r.Device.DevId, HistoryKind.StatusChanged, new StatusChangedDetail(r.Row.Status, r.Status));
                    }

                    summary.Count("refreshed");
                    summary.Change(RowChangeKind.Changed, refreshed);
                    break;

                case DeviceChange.Replaced p:
                    DeviceRow old = Delete(c, tx, p.Old.Id, now);
                    DeviceRow replacement = Insert(c, tx, p.Device, p.Status, p.Old.Id, p.Old.InstanceUuid, now);
                    Record(c, tx, now, replacement.Id, p.Device.DevId, p.Kind, new ReplacedDetail(
                        p.Old.Id,
                        new DevicePlace(p.Old.Address, p.Old.PortId, p.Old.DevId),
                        new DevicePlace(p.Device.Device.Address, p.Device.Device.PortId, p.Device.DevId),
                        p.Old.InstanceUuid,
                        p.Status));
                    summary.Count(p.Kind);
                    summary.Change(RowChangeKind.Removed, old);
                    summary.Change(RowChangeKind.Added, replacement, p.Old.Id);
                    break;

                case DeviceChange.Gone g when g.Row.IsOwned:
                    DeviceRow missing = c.QuerySingle<DeviceRow>(
                        $"UPDATE usb_devices SET status = @status, present = 0, updated_at = @now WHERE id = @id RETURNING {Columns}",
                        new { status = DeviceStatus.Missing, now, id = g.Row.Id }, tx);
                    Record(c, tx, now, g.Row.Id, g.Row.DevId ?? "", HistoryKind.Missing, new MissingDetail(g.Row.PortId, g.Row.Address, g.Row.InstanceUuid, g.Row.Status));
                    summary.Count(HistoryKind.Missing);
                    summary.Change(RowChangeKind.Changed, missing);
                    break;

                case DeviceChange.Gone g:
                    DeviceRow gone = Delete(c, tx, g.Row.Id, now);
                    Record(c, tx, now, g.Row.Id, g.Row.DevId ?? "", HistoryKind.Unplugged, new UnpluggedDetail(g.Row.PortId, g.Row.Address));
                    summary.Count(HistoryKind.Unplugged);
                    summary.Change(RowChangeKind.Removed, gone);
                    break;
            }
        }

        database.Changes.Commit(tx, cause, summary.Changes);
        return summary;
    }

    private DeviceRow Insert(SqliteConnection c, SqliteTransaction tx, DiscoveredDevice d, string status, long? previousId, string? owner, string now)
    {
        UsbDevice u = d.Device;
        return c.QuerySingle<DeviceRow>(
            $"""
            INSERT INTO usb_devices (created_at, updated_at, deleted_at, deleted, compute_node_id, address, product_id,
                vendor_id, bus_id, device_id, port_id, dev_id, status, extra_info, instance_uuid, previous_id, serial,
                present, ambiguous, eligible, ineligible_reason, sysfs_path, last_seen_at)
            VALUES (@now, @now, NULL, 0, @node, @Address, @productId, @vendorId, @Bus, @DeviceNumber, @PortId, @devId,
                    @status, @extra, @owner, @previousId, @Serial, 1, @ambiguous, @eligible, @reason, @SysfsPath, @now)
            RETURNING {Columns}
            """,
            new
            {
                now,
                node = RegistryDatabase.LocalComputeNodeId,
                u.Address,
                productId = DeviceFactsMapping.Hex4(u.ProductId),
                vendorId = DeviceFactsMapping.Hex4(u.VendorId),
                u.Bus,
                u.DeviceNumber,
                u.PortId,
                devId = d.DevId,
                status,
                extra = ExtraInfo(d),
                owner,
                previousId,
                u.Serial,
                ambiguous = d.Ambiguous,
                eligible = d.Eligible,
                reason = d.IneligibleReason,
                u.SysfsPath,
            },
            tx);
    }

    private DeviceRow Refresh(SqliteConnection c, SqliteTransaction tx, long id, DiscoveredDevice d, string status, string now) =>
        c.QuerySingle<DeviceRow>(
            $"""
            UPDATE usb_devices SET updated_at = @now, last_seen_at = @now, present = 1, status = @status,
                   extra_info = @extra, serial = @Serial, ambiguous = @ambiguous, eligible = @eligible,
                   ineligible_reason = @reason, sysfs_path = @SysfsPath
            WHERE id = @id
            RETURNING {Columns}
            """,
            new
            {
                now,
                status,
                extra = ExtraInfo(d),
                d.Device.Serial,
                ambiguous = d.Ambiguous,
                eligible = d.Eligible,
                reason = d.IneligibleReason,
                d.Device.SysfsPath,
                id,
            },
            tx);

    private static DeviceRow Delete(SqliteConnection c, SqliteTransaction tx, long id, string now) =>
        c.QuerySingle<DeviceRow>(
            $"UPDATE usb_devices SET deleted = id, deleted_at = @now, updated_at = @now, status = @status, present = 0 WHERE id = @id RETURNING {Columns}",
            new { now, status = DeviceStatus.Deleted, id }, tx);

    private static void Record(SqliteConnection c, SqliteTransaction tx, string now, long rowId, string devId, string kind, HistoryDetail detail) =>
        c.Execute(
            "INSERT INTO usb_device_history (at, row_id, dev_id, kind, detail) VALUES (@now, @rowId, @devId, @kind, @detail)",
            new { now, rowId, devId, kind, detail = RegistryJson.Detail(detail) }, tx);

    // Most events change one device: the others' rows are left alone (no write, no WAL growth).
    private bool IsUnchanged(DeviceChange.Refreshed r) =>
        r.Row.Present != 0 && r.Row.Status == r.Status && r.Row.ExtraInfo == ExtraInfo(r.Device);

    // Every fact, so devices.list can show them without re-reading sysfs.
    private string ExtraInfo(DiscoveredDevice d) => Registry.ExtraInfo.Write(d.ToFacts(names));
}
