using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Migration;

namespace UsbPassd.Registry;

/// <summary>
/// The ownership ledger. Every change is one IMMEDIATE transaction (SQLite serialises writers), so
/// two callers racing for a device cannot both win: the loser reads the winner's row and is told.
/// Each change takes a new fencing token; the device row's status and instance_uuid mirror the ledger,
/// and the mirrored rows are published to the registry's feed after the commit (<see cref="ChangeCause.Ownership"/>).
/// </summary>
/// <param name="clock">The time of day the rows are stamped with.</param>
/// <param name="ttlClock">What reservations' TTLs are measured by: <paramref name="clock"/> when a test gives one, else a
/// <see cref="SteadyClock"/>, which a step of the system clock does not move.</param>
public sealed class AssignmentRepository(RegistryDatabase database, TimeProvider? clock = null, TimeProvider? ttlClock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly TimeProvider _ttlClock = ttlClock ?? clock ?? new SteadyClock();

    private const string Columns = "dev_id, instance_uuid, token, state, expires_at, alias, startup_policy, persistent, origin, migration, incoming, created_at, updated_at";

    public Claim? Get(string devId)
    {
        using SqliteConnection c = database.Connect();
        return c.QuerySingleOrDefault<ClaimRow>($"SELECT {Columns} FROM assignments WHERE dev_id = @devId", new { devId })?.ToClaim();
    }

    public IReadOnlyList<Claim> OfInstance(string instanceUuid)
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<ClaimRow>($"SELECT {Columns} FROM assignments WHERE instance_uuid = @instanceUuid ORDER BY created_at", new { instanceUuid }).Select(r => r.ToClaim())];
    }

    public IReadOnlyList<Claim> All()
    {
        using SqliteConnection c = database.Connect();
        return [.. c.Query<ClaimRow>($"SELECT {Columns} FROM assignments ORDER BY created_at").Select(r => r.ToClaim())];
    }

    /// <summary>
    /// Takes the device for <paramref name="instanceUuid"/> (or renews its own claim) in state
    /// <paramref name="state"/>. An expired reservation of another instance may be taken over; a
    /// live claim of another instance is an <see cref="OwnershipConflictException"/>.
    /// </summary>
    /// <param name="origin">A claim renewed by its own instance stays a Placement claim once it was one.</param>
    /// <param name="migration">What a live migration does with it; null keeps what the instance's claim said (a renewal), else the default.</param>
    /// <param name="incoming">A destination's reservation for a live migration under way.</param>
    public Claim Claim(DeviceRow device, string instanceUuid, ClaimState state, TimeSpan? ttl, string alias, string startupPolicy, bool persistent, long? expectedToken = null, Actor? by = null, ClaimOrigin origin = ClaimOrigin.Local,
        MigrationDecision? migration = null, bool incoming = false)
    {
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        List<RowChange> changed = [];
        Claim claim = ClaimIn(c, tx, changed, device, instanceUuid, state, ttl, alias, startupPolicy, persistent, expectedToken, by ?? Actor.Daemon, origin, migration, incoming);
        database.Changes.Commit(tx, ChangeCause.Ownership, changed);
        return claim;
    }

    /// <summary>
    /// The seed's resize A→B in one transaction: <paramref name="to"/> is claimed (attaching) by the
    /// instance that holds <paramref name="from"/>, which moves to detaching. Nobody can take B
    /// between the detach of A and the attach of B.
    /// </summary>
    /// <param name="toBefore">The claim on <paramref name="to"/> the swap replaced (the instance's own reservation of it, or none), for <see cref="GiveBack"/>.</param>
    /// <param name="fromState">The state <paramref name="from"/>'s claim was read in: the swap goes on only if it still is (another detach or swap of it came first).</param>
    public Claim Swap(DeviceRow from, ClaimState fromState, DeviceRow to, string instanceUuid, string alias, string startupPolicy, bool persistent, Actor by, out Claim? toBefore)
    {
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        List<RowChange> changed = [];
        toBefore = c.QuerySingleOrDefault<ClaimRow>($"SELECT {Columns} FROM assignments WHERE dev_id = @devId", new { devId = to.DevId }, tx)?.ToClaim();
        MigrationDecision? migration = c.QuerySingleOrDefault<ClaimRow>($"SELECT {Columns} FROM assignments WHERE dev_id = @devId", new { devId = from.DevId }, tx)?.ToClaim().Migration;
        Claim claim = ClaimIn(c, tx, changed, to, instanceUuid, ClaimState.Attaching, null, alias, startupPolicy, persistent, null, by, migration: migration);
        if (!SetStateIn(c, tx, changed, from, instanceUuid, ClaimState.Detaching, Now(), by, expected: fromState))
        {
            throw new ClaimInUseException($"device {from.PortId} ({from.DevId}) is no longer {fromState.Name()} to instance {instanceUuid}: a detach or swap of it came first; nothing was swapped");
        }

        database.Changes.Commit(tx, ChangeCause.Ownership, changed);
        return claim;
    }

    private Claim ClaimIn(SqliteConnection c, SqliteTransaction tx, List<RowChange> changed, DeviceRow device, string instanceUuid, ClaimState state, TimeSpan? ttl, string alias, string startupPolicy, bool persistent, long? expectedToken, Actor by,
        ClaimOrigin origin = ClaimOrigin.Local, MigrationDecision? migration = null, bool incoming = false)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        DateTimeOffset ttlNow = _ttlClock.GetUtcNow();
        Claim? current = c.QuerySingleOrDefault<ClaimRow>($"SELECT {Columns} FROM assignments WHERE dev_id = @devId", new { devId = device.DevId }, tx)?.ToClaim();
        if (current is not null && current.InstanceUuid != instanceUuid && !Expired(current, ttlNow))
        {
            throw new OwnershipConflictException(current.State == ClaimState.External
                ? $"device {device.PortId} ({device.DevId}) is attached to domain {current.InstanceUuid} outside usbpassd (found in its XML since {current.CreatedAt}); detach it there first"
                : $"device {device.PortId} ({device.DevId}) is {current.State.Name()} by instance {current.InstanceUuid} since {current.CreatedAt}", current);
        }

        // A renewal by the owner takes over only a reservation. Its attaching, attached or detaching claim
        // is also in libvirt: made a reservation again (a reserve or a second attach racing the first,
        // whose libvirt call then fails and rolls back), it could be released with the hostdev still in
        // the domain's XML and handed to another domain.
        if (current is not null && current.InstanceUuid == instanceUuid && state is ClaimState.Reserved or ClaimState.Attaching
            && current.State is ClaimState.Attaching or ClaimState.Attached or ClaimState.Detaching)
        {
            throw new ClaimInUseException($"device {device.PortId} ({device.DevId}) is {current.State.Name()} to instance {instanceUuid} already: it stays so (detach it first to reserve or attach it again)");
        }

        // A token names one reservation. Once it is over (its TTL passed, or it was released), the
        // caller must reserve again: going on as if the device were free would let two schedulers
        // that each believe they hold it both act.
        if (expectedToken is long token)
        {
            if (current is null || current.InstanceUuid != instanceUuid || Expired(current, ttlNow))
            {
                throw new ReservationGoneException($"the reservation of {device.PortId} ({device.DevId}) with token {token} no longer exists (it expired or was released): reserve the device again");
            }

            if (current.Token != token)
            {
                throw new OwnershipConflictException($"fencing token {token} is stale: the reservation of {device.DevId} is now at token {current.Token}", current);
            }
        }

        long next = c.ExecuteScalar<long>("UPDATE fencing SET last = last + 1 WHERE id = 1 RETURNING last", transaction: tx);
        string stamp = Timestamps.Format(now);
        var claim = new Claim
        {
            DevId = device.DevId!,
            InstanceUuid = instanceUuid,
            Token = next,
            State = state,
            ExpiresAt = ttl is TimeSpan t ? Timestamps.Format(ttlNow + t) : null,
            Alias = alias,
            StartupPolicy = startupPolicy,
            Persistent = persistent,
            Origin = current?.InstanceUuid == instanceUuid && current.Origin == ClaimOrigin.Placement ? ClaimOrigin.Placement : origin,
            Migration = migration ?? (current?.InstanceUuid == instanceUuid ? current.Migration : null),
            Incoming = incoming || (current?.InstanceUuid == instanceUuid && current.Incoming), // a renewal (Placement's follower) before the domain arrived
            CreatedAt = current?.InstanceUuid == instanceUuid ? current.CreatedAt : stamp,
            UpdatedAt = stamp,
        };
        c.Execute($"INSERT OR REPLACE INTO assignments ({Columns}) VALUES (@DevId, @InstanceUuid, @Token, @State, @ExpiresAt, @Alias, @StartupPolicy, @Persistent, @Origin, @Migration, @Incoming, @CreatedAt, @UpdatedAt)", ClaimRow.From(claim), tx);
        changed.Add(Mirror(c, tx, device.Id, instanceUuid, state, stamp));
        Record(c, tx, stamp, device, $"claim_{state.Name()}", new ClaimDetail(instanceUuid, next, current?.InstanceUuid, by.Who, by.Rule));
        return claim;
    }

    /// <summary>
    /// Moves an existing claim to another state (attaching → attached, attached → detaching...). With <paramref name="expected"/> only if it is still
    /// in that state (compare-and-set: reconcile acts on what it read, not on what changed since).
    /// </summary>
    /// <returns>False when there was no such claim, or it was no longer <paramref name="expected"/>.</returns>
    public bool SetState(DeviceRow device, string instanceUuid, ClaimState state, Actor? by = null, ClaimState? expected = null)
    {
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        List<RowChange> changed = [];
        bool set = SetStateIn(c, tx, changed, device, instanceUuid, state, Now(), by ?? Actor.Daemon, expected);
        database.Changes.Commit(tx, ChangeCause.Ownership, changed);
        return set;
    }

    private static bool SetStateIn(SqliteConnection c, SqliteTransaction tx, List<RowChange> changed, DeviceRow device, string instanceUuid, ClaimState state, string stamp, Actor by, ClaimState? expected = null)
    {
        int n = c.Execute("UPDATE assignments SET state = @state, updated_at = @stamp WHERE dev_id = @devId AND instance_uuid = @instanceUuid AND (@expected IS NULL OR state = @expected)",
            new { state = state.Name(), stamp, devId = device.DevId, instanceUuid, expected = expected?.Name() }, tx);
        if (n == 1)
        {
            changed.Add(Mirror(c, tx, device.Id, instanceUuid, state, stamp));
            Record(c, tx, stamp, device, state.Name(), new StateDetail(instanceUuid, by.Who, by.Rule));
        }

        return n == 1;
    }

    /// <summary>Changes what a live migration does with a claim's device (recorded in the history); false when the instance holds no claim on it.</summary>
    public bool SetMigration(DeviceRow device, string instanceUuid, MigrationDecision decision, Actor? by = null)
    {
        by ??= Actor.Daemon;
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        string stamp = Now();
        bool set = c.Execute("UPDATE assignments SET migration = @migration, updated_at = @stamp WHERE dev_id = @devId AND instance_uuid = @instanceUuid",
            new { migration = decision.Name(), stamp, devId = device.DevId, instanceUuid }, tx) == 1;
        if (set)
        {
            Record(c, tx, stamp, device, "migration_set", new MigrationDetail(instanceUuid, decision.Name(), by.Who));
        }

        tx.Commit();
        return set;
    }

    /// <summary>An incoming migration's reservation becomes an ordinary claim: its domain arrived. False when it was not incoming (any more).</summary>
    public bool Arrived(DeviceRow device, string instanceUuid)
    {
        using SqliteConnection c = database.Connect();
        return c.Execute("UPDATE assignments SET incoming = 0, updated_at = @stamp WHERE dev_id = @devId AND instance_uuid = @instanceUuid AND incoming = 1",
            new { stamp = Timestamps.Format(_clock.GetUtcNow()), devId = device.DevId, instanceUuid }) == 1;
    }

    /// <summary>Gives the device back; the row returns to its unowned status. <paramref name="expected"/> as for <see cref="SetState"/>.</summary>
    public bool Release(DeviceRow device, string instanceUuid, string baseStatus, Actor? by = null, ClaimState? expected = null)
    {
        by ??= Actor.Daemon;
        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        string stamp = Now();
        List<RowChange> changed = [];
        bool released = c.Execute("DELETE FROM assignments WHERE dev_id = @devId AND instance_uuid = @instanceUuid AND (@expected IS NULL OR state = @expected)",
            new { devId = device.DevId, instanceUuid, expected = expected?.Name() }, tx) == 1;
        if (released)
        {
            changed.Add(Changed(c.QuerySingle<DeviceRow>($"UPDATE usb_devices SET instance_uuid = NULL, status = @baseStatus, updated_at = @stamp WHERE id = @id RETURNING {DeviceRepository.Columns}",
                new { baseStatus, stamp, id = device.Id }, tx)));
            Record(c, tx, stamp, device, "released", new ReleasedDetail(instanceUuid, by.Who));
        }

        database.Changes.Commit(tx, ChangeCause.Ownership, changed);
        return released;
    }

    /// <summary>
    /// Undoes a failed swap's claim on its target. When the instance had reserved the device before the swap
    /// (reserve B, then swap A→B), that reservation comes back as it was, token and TTL included: no one was
    /// given the swap's token, and the caller still holds the one it had. Otherwise the device is released.
    /// Either only while the swap's claim is still attaching (compare-and-set).
    /// </summary>
    public void GiveBack(DeviceRow device, string instanceUuid, Claim? before, string baseStatus, Actor by)
    {
        if (before is null || before.InstanceUuid != instanceUuid || before.State != ClaimState.Reserved)
        {
            Release(device, instanceUuid, baseStatus, by, expected: ClaimState.Attaching);
            return;
        }

        using SqliteConnection c = database.Connect();
        using SqliteTransaction tx = c.BeginTransaction(deferred: false);
        string stamp = Now();
        List<RowChange> changed = [];
        ClaimRow row = ClaimRow.From(before with { UpdatedAt = stamp });
        int n = c.Execute("UPDATE assignments SET state = @State, token = @Token, expires_at = @ExpiresAt, alias = @Alias, startup_policy = @StartupPolicy, persistent = @Persistent, updated_at = @UpdatedAt " +
            "WHERE dev_id = @DevId AND instance_uuid = @InstanceUuid AND state = 'attaching'", row, tx);
        if (n == 1)
        {
            changed.Add(Mirror(c, tx, device.Id, instanceUuid, ClaimState.Reserved, stamp));
            Record(c, tx, stamp, device, ClaimState.Reserved.Name(), new StateDetail(instanceUuid, by.Who, by.Rule));
        }

        database.Changes.Commit(tx, ChangeCause.Ownership, changed);
    }

    /// <summary>Writes down a request the policy or host safety refused: nothing changes hands, but it is on record.</summary>
    public void RecordRefusal(DeviceRow device, string? instanceUuid, string action, string reason, Actor by)
    {
        using SqliteConnection c = database.Connect();
        Record(c, null, Timestamps.Format(_clock.GetUtcNow()), device, "refused", new RefusedDetail(instanceUuid, action, reason, by.Who, by.Rule));
    }

    // Stamped once the transaction holds the write lock (BEGIN IMMEDIATE): a stamp taken before the wait
    // for it could be older than a change committed ahead of this one, and the history's times would
    // then disagree with its order (a release would seem to come before the claim it ended).
    private string Now() => Timestamps.Format(_clock.GetUtcNow());

    private static bool Expired(Claim a, DateTimeOffset now) =>
        a.State == ClaimState.Reserved && a.ExpiresAt is not null && string.CompareOrdinal(a.ExpiresAt, Timestamps.Format(now)) <= 0;

    private static RowChange Mirror(SqliteConnection c, SqliteTransaction tx, long rowId, string instanceUuid, ClaimState state, string stamp) =>
        Changed(c.QuerySingle<DeviceRow>($"UPDATE usb_devices SET instance_uuid = @instanceUuid, status = @state, updated_at = @stamp WHERE id = @rowId RETURNING {DeviceRepository.Columns}",
            new { instanceUuid, state = state.Name(), stamp, rowId }, tx));

    private static RowChange Changed(DeviceRow row) => new(RowChangeKind.Changed, row.Id, null, row);

    private static void Record(SqliteConnection c, SqliteTransaction? tx, string stamp, DeviceRow device, string kind, HistoryDetail detail) =>
        c.Execute("INSERT INTO usb_device_history (at, row_id, dev_id, kind, detail) VALUES (@stamp, @rowId, @devId, @kind, @detail)",
            new { stamp, rowId = device.Id, devId = device.DevId, kind, detail = RegistryJson.Detail(detail) }, tx);
}
