namespace UsbPassd.Registry;

/// <summary>
/// The registry schema, one numbered step at a time; <c>PRAGMA user_version</c> holds the step a
/// file has reached. Steps are never edited once shipped: a change is a new step.
/// <list type="bullet">
/// <item>v1: the seed's <c>usb_devices</c> table, as in the OpenStack spec.</item>
/// <item>v2: identity and history: text <c>port_id</c>, <c>previous_id</c>, presence, ambiguity and
/// eligibility columns; <c>compute_nodes</c>; the append-only <c>usb_device_history</c>.</item>
/// <item>v3: <c>assignments</c>, the ownership ledger (one row per owned dev_id) and the fencing counter.</item>
/// <item>v4: the ledger may record <c>external</c> claims (a hostdev someone else put into a domain).</item>
/// <item>v5: a claim's <c>origin</c> (a local call, or a Placement allocation).</item>
/// <item>v6: a claim's live-migration decision, and whether it is an incoming migration's reservation.</item>
/// </list>
/// </summary>
internal static class Migrations
{
    public static int Latest => Steps.Count;

    /// <summary>Step N is at index N-1.</summary>
    public static IReadOnlyList<string> Steps { get; } =
    [
        // v1
        """
        CREATE TABLE usb_devices (
            created_at      TEXT,
            updated_at      TEXT,
            deleted_at      TEXT,
            deleted         INTEGER NOT NULL,
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            compute_node_id INTEGER NOT NULL,
            address         VARCHAR(12) NOT NULL,
            product_id      VARCHAR(4),
            vendor_id       VARCHAR(4),
            bus_id          INTEGER,
            device_id       INTEGER,
            port_id         INTEGER,
            dev_id          VARCHAR(255),
            status          VARCHAR(36) NOT NULL,
            extra_info      TEXT,
            instance_uuid   VARCHAR(36)
        );
        CREATE INDEX ix_usb_devices_compute_node ON usb_devices (compute_node_id);
        CREATE INDEX ix_usb_devices_instance ON usb_devices (instance_uuid);
        """,

        // v2: SQLite cannot change a column's type in place, so the table is rebuilt.
        """
        CREATE TABLE compute_nodes (
            id          INTEGER PRIMARY KEY,
            hostname    TEXT NOT NULL,
            created_at  TEXT NOT NULL
        );

        CREATE TABLE usb_devices_v2 (
            created_at         TEXT NOT NULL,
            updated_at         TEXT,
            deleted_at         TEXT,
            deleted            INTEGER NOT NULL DEFAULT 0,
            id                 INTEGER PRIMARY KEY AUTOINCREMENT,
            compute_node_id    INTEGER NOT NULL,
            address            TEXT NOT NULL,
            product_id         TEXT,
            vendor_id          TEXT,
            bus_id             INTEGER,
            device_id          INTEGER,
            port_id            TEXT,
            dev_id             TEXT,
            status             TEXT NOT NULL,
            extra_info         TEXT,
            instance_uuid      TEXT,
            previous_id        INTEGER REFERENCES usb_devices(id),
            serial             TEXT,
            present            INTEGER NOT NULL DEFAULT 0,
            ambiguous          INTEGER NOT NULL DEFAULT 0,
            eligible           INTEGER NOT NULL DEFAULT 1,
            ineligible_reason  TEXT,
            sysfs_path         TEXT,
            last_seen_at       TEXT
        );

        -- Rows from a seed-era database keep their ids; a port_id number becomes text. They were
        -- never seen by this schema, so they start as not present until the next scan matches them.
        INSERT INTO usb_devices_v2 (created_at, updated_at, deleted_at, deleted, id, compute_node_id, address,
                                    product_id, vendor_id, bus_id, device_id, port_id, dev_id, status,
                                    extra_info, instance_uuid)
        SELECT COALESCE(created_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), updated_at, deleted_at,
               CASE WHEN deleted <> 0 THEN id
                    -- two live seed rows with one dev_id: the newest stays live
                    WHEN dev_id IS NOT NULL AND id <> (SELECT MAX(o.id) FROM usb_devices o
                                                       WHERE o.dev_id = usb_devices.dev_id AND o.deleted = 0) THEN id
                    ELSE 0 END,
               id, compute_node_id, address,
               lower(product_id), lower(vendor_id), bus_id, device_id, CAST(port_id AS TEXT), dev_id,
               status, extra_info, instance_uuid
        FROM usb_devices;

        DROP TABLE usb_devices;
        ALTER TABLE usb_devices_v2 RENAME TO usb_devices;

        CREATE INDEX ix_usb_devices_compute_node ON usb_devices (compute_node_id);
        CREATE INDEX ix_usb_devices_instance ON usb_devices (instance_uuid);
        CREATE INDEX ix_usb_devices_port ON usb_devices (port_id, deleted);
        -- One live row per identity; deleted rows carry their own id in `deleted`.
        CREATE UNIQUE INDEX ux_usb_devices_dev_id ON usb_devices (dev_id, deleted) WHERE dev_id IS NOT NULL;

        CREATE TABLE usb_device_history (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      TEXT NOT NULL,
            row_id  INTEGER NOT NULL,
            dev_id  TEXT NOT NULL,
            kind    TEXT NOT NULL,
            detail  TEXT
        );
        CREATE INDEX ix_usb_device_history_dev_id ON usb_device_history (dev_id);

        -- History is evidence: the database itself refuses to rewrite it.
        CREATE TRIGGER usb_device_history_no_update BEFORE UPDATE ON usb_device_history
        BEGIN SELECT RAISE(ABORT, 'usb_device_history is append-only'); END;
        CREATE TRIGGER usb_device_history_no_delete BEFORE DELETE ON usb_device_history
        BEGIN SELECT RAISE(ABORT, 'usb_device_history is append-only'); END;
        """,

        // v3
        """
        CREATE TABLE assignments (
            dev_id          TEXT PRIMARY KEY,
            instance_uuid   TEXT NOT NULL,
            token           INTEGER NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('reserved', 'attaching', 'attached', 'detaching')),
            expires_at      TEXT,
            alias           TEXT NOT NULL,
            startup_policy  TEXT NOT NULL DEFAULT 'optional',
            persistent      INTEGER NOT NULL DEFAULT 1,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        CREATE INDEX ix_assignments_instance ON assignments (instance_uuid);

        -- Fencing tokens only grow: a caller holding an older token has lost the device.
        CREATE TABLE fencing (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
        INSERT INTO fencing (id, last) VALUES (1, 0);
        """,

        // v4 (SQLite cannot alter a CHECK: the table is rebuilt, rows kept)
        """
        CREATE TABLE assignments_v4 (
            dev_id          TEXT PRIMARY KEY,
            instance_uuid   TEXT NOT NULL,
            token           INTEGER NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('reserved', 'attaching', 'attached', 'detaching', 'external')),
            expires_at      TEXT,
            alias           TEXT NOT NULL,
            startup_policy  TEXT NOT NULL DEFAULT 'optional',
            persistent      INTEGER NOT NULL DEFAULT 1,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        INSERT INTO assignments_v4 SELECT dev_id, instance_uuid, token, state, expires_at, alias, startup_policy, persistent, created_at, updated_at FROM assignments;
        DROP TABLE assignments;
        ALTER TABLE assignments_v4 RENAME TO assignments;
        CREATE INDEX ix_assignments_instance ON assignments (instance_uuid);
        """,

        // v5: who asked for the claim. A claim made for a Placement allocation ends when the
        // allocation does; one made by a local call only when released there.
        """
        ALTER TABLE assignments ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'placement'));
        """,

        // v6: what a live migration does with the device (NULL: the default, by its serial), and
        // whether the claim is a destination's reservation for a migration still under way (it
        // ends when the domain arrives, or is released when the migration fails).
        """
        ALTER TABLE assignments ADD COLUMN migration TEXT CHECK (migration IS NULL OR migration IN ('refuse', 'equivalent', 'drop'));
        ALTER TABLE assignments ADD COLUMN incoming INTEGER NOT NULL DEFAULT 0 CHECK (incoming IN (0, 1));
        """,
    ];
}
