namespace UsbPassd.Registry;

/// <summary>Why a registry transaction changed device rows.</summary>
public enum ChangeCause
{
    /// <summary>A scan or a batch of uevents reconciled the registry with the devices present.</summary>
    Scan,

    /// <summary>The ownership ledger moved (claim, state change, release): a row's status and instance_uuid.</summary>
    Ownership,

    /// <summary>The present devices were judged again by a reloaded policy.</summary>
    Policy,
}

/// <summary>
/// What one committed transaction changed, in order: each row added, removed or changed, with the
/// row as the transaction left it, so a subscriber need not read the registry again.
/// </summary>
public sealed record RegistryChange(ChangeCause Cause, IReadOnlyList<RowChange> Rows);
