namespace UsbPassd.Protocol.Messages;

/// <summary>One libvirt domain of this host in <c>instances.list</c>: what a VM picker shows.</summary>
public sealed record InstanceInfo
{
    public required string Name { get; init; }

    public required string Uuid { get; init; }

    /// <summary>virsh's words: <c>running</c>, <c>idle</c>, <c>paused</c>, <c>in shutdown</c>, <c>shut off</c>, <c>crashed</c>, <c>pmsuspended</c>, <c>no state</c>.</summary>
    public required string State { get; init; }

    /// <summary>False for a transient domain (created, not defined): it has no shut-off definition to attach to.</summary>
    public required bool Persistent { get; init; }

    /// <summary>The devices the ledger says it holds (reserved, attaching, attached, detaching, or external).</summary>
    public required IReadOnlyList<DeviceRecord> Devices { get; init; }
}
