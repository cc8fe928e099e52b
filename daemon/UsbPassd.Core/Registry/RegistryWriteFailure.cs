using Microsoft.Data.Sqlite;

namespace UsbPassd.Registry;

/// <summary>
/// The registry refusing a write for a reason outside usbpassd (its disk full, another program holding
/// its lock), put as the sentence an operator acts on: SQLite's own words ("database is locked") say
/// what happened but not what to do, nor that usbpassd goes on by itself.
/// </summary>
public static class RegistryWriteFailure
{
    // SQLite's primary result codes (sqlite3.h).
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Full = 13;

    /// <summary>The advice for <paramref name="e"/>, or null when it is not such a failure.</summary>
    public static string? Advice(Exception e) => e is SqliteException s && Sentence(s) is string advice ? $"{advice} (SQLite: {s.Message.TrimEnd('.')})" : null;

    private static string? Sentence(SqliteException s) => (s.SqliteErrorCode & 0xFF) switch
    {
        Full => "the registry cannot be written: the disk of usbpassd's state directory (registry.db) is full. " +
            "Free space there and ask again; usbpassd goes on by itself once it can write",
        Busy or Locked => "the registry is locked by another program for longer than usbpassd waits for it. " +
            "Find that program (fuser -v registry.db in usbpassd's state directory) and end it, then ask again",
        ReadOnly or IoError => "the registry cannot be written: check the disk and the permissions of usbpassd's state directory, then ask again",
        _ => null,
    };
}
