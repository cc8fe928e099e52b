namespace UsbPassd.Assignment;

/// <summary>What following one commit (or a reconcile) did, for the log: milliseconds since the commit, and how many of them libvirt took.</summary>
public sealed record Followed(string What, string PortId, string Instance, double TotalMs, double LibvirtMs);
