using UsbPassd.Interop;

namespace UsbPassd.Libvirt;

/// <summary>A domain looked up by UUID or name, with its state at lookup time.</summary>
public sealed class LibvirtDomain : IDisposable
{
    internal LibvirtDomain(SafeVirDomainHandle handle, string uuid, string name, DomainState state, bool persistent)
    {
        Handle = handle;
        Uuid = uuid;
        Name = name;
        State = state;
        Persistent = persistent;
    }

    public string Uuid { get; }

    public string Name { get; }

    public DomainState State { get; }

    public bool Persistent { get; }

    /// <summary>Why it is in <see cref="State"/> (virDomain*Reason of that state), as libvirt said at lookup.</summary>
    public int Reason { get; init; }

    /// <summary>
    /// An incoming live migration's domain that has not arrived yet: libvirt keeps it paused for
    /// the migration (VIR_DOMAIN_PAUSED_MIGRATION) until the source hands over.
    /// </summary>
    public bool IsArriving => State == DomainState.Paused && Reason == 2;

    internal SafeVirDomainHandle Handle { get; }

    public override string ToString() => $"{Name} ({Uuid})";

    public void Dispose() => Handle.Dispose();
}
