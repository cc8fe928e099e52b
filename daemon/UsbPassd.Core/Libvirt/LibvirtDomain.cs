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

    internal SafeVirDomainHandle Handle { get; }

    public override string ToString() => $"{Name} ({Uuid})";

    public void Dispose() => Handle.Dispose();
}
