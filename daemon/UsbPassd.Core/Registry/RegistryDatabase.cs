using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace UsbPassd.Registry;

/// <summary>
/// The registry file: opened, checked and migrated once, then handed out as connections.
/// A file that is not a SQLite database, fails its integrity check or comes from a newer
/// UsbPassd is refused with a <see cref="RegistryException"/> and never written to.
/// </summary>
public sealed class RegistryDatabase
{
    /// <summary>The live host in a single-host registry; rows from a fleet would use others.</summary>
    public const long LocalComputeNodeId = 1;

    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    private readonly string _connectionString;

    private RegistryDatabase(string path, string connectionString)
    {
        Path = path;
        _connectionString = connectionString;
    }

    public string Path { get; }

    /// <summary>Every committed change to the device rows of this registry, after its commit.</summary>
    public RegistryFeed Changes { get; } = new();

    /// <summary>Opens (creating if needed) and migrates the registry at <paramref name="path"/>.</summary>
    /// <exception cref="RegistryException">The file cannot be used; nothing was changed.</exception>
    public static RegistryDatabase Open(string path, string hostname, TimeProvider? clock = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        CheckHeader(full);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        string cs = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy statement for this long, on top of SQLite's own
            // busy_timeout (Connect): 10 s, as that one says. At 30 s, a registry held by another
            // program (an admin's sqlite3) kept the event pipeline's commit waiting as long as
            // systemd's watchdog (WatchdogSec=30s), which then restarted usbpassd.
            DefaultTimeout = 10,
        }.ToString();
        var db = new RegistryDatabase(full, cs);
        try
        {
            using SqliteConnection c = db.Connect();
            db.Prepare(c, hostname, (clock ?? TimeProvider.System).GetUtcNow());
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            SqliteConnection.ClearAllPools();
            throw new RegistryException(
                $"registry {full} is damaged or not a SQLite database ({e.Message.TrimEnd('.')}). It was not modified. " +
                "Move it aside (or restore a backup) and start again; a new registry is built from the devices present.", e);
        }

        return db;
    }

    /// <summary>The schema step this file is at.</summary>
    /// <remarks>A method, not a property: Dapper.AOT does not intercept calls inside property accessors,
    /// and such a call would take Dapper's Reflection.Emit path, which NativeAOT cannot run.</remarks>
    public int ReadSchemaVersion()
    {
        using SqliteConnection c = Connect();
        return c.ExecuteScalar<int>("PRAGMA user_version");
    }

    /// <summary>An open connection with the per-connection settings applied.</summary>
    public SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        // synchronous=NORMAL is WAL's recommended setting: no corruption on power loss, at most the
        // last commits lost, and no fsync per event.
        c.Execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
        return c;
    }

    private void Prepare(SqliteConnection c, string hostname, DateTimeOffset now)
    {
        string check = c.ExecuteScalar<string>("PRAGMA quick_check") ?? "no answer";
        if (check != "ok")
        {
            throw new RegistryException(
                $"registry {Path} fails SQLite's integrity check ({check}). It was not modified. " +
                "Move it aside (or restore a backup) and start again.");
        }

        int version = c.ExecuteScalar<int>("PRAGMA user_version");
        if (version > Migrations.Latest)
        {
            throw new RegistryException(
                $"registry {Path} is at schema v{version}, written by a newer UsbPassd; this one knows up to v{Migrations.Latest}. " +
                "It was not modified. Install the newer UsbPassd again, or restore a backup made before the upgrade.");
        }

        // WAL lets readers (usbpassctl, RPC) go on while the event pipeline writes.
        c.Execute("PRAGMA journal_mode = WAL");
        if (version > 0 && version < Migrations.Latest)
        {
            BackUp(c, version);
        }

        for (int step = version + 1; step <= Migrations.Latest; step++)
        {
            using SqliteTransaction tx = c.BeginTransaction();
            c.Execute(Migrations.Steps[step - 1], transaction: tx);
            c.Execute($"PRAGMA user_version = {step}", transaction: tx);
            tx.Commit();
        }

        c.Execute(
            "INSERT OR IGNORE INTO compute_nodes (id, hostname, created_at) VALUES (@id, @hostname, @now)",
            new { id = LocalComputeNodeId, hostname, now = Timestamps.Format(now) });
    }

    // An upgrade is the one moment a bug could damage every row at once: keep a copy first.
    private void BackUp(SqliteConnection c, int version)
    {
        string backup = $"{Path}.v{version}.bak";
        if (!File.Exists(backup))
        {
            c.Execute("VACUUM INTO @backup", new { backup });
        }
    }

    private static void CheckHeader(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        Span<byte> header = stackalloc byte[16];
        using FileStream f = File.OpenRead(path);
        int n = f.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (n == 0)
        {
            return; // SQLite treats an empty file as an empty database.
        }

        if (n < header.Length || !header.SequenceEqual(SqliteMagic))
        {
            string start = Encoding.ASCII.GetString(header[..n]).Replace('\0', '.');
            throw new RegistryException(
                $"registry {path} is not a SQLite database (it starts with \"{start}\"). It was not modified. " +
                "Check the configured path; if the file is damaged, move it aside and start again.");
        }
    }
}
