namespace UsbPassd.Interop;

/// <summary>A libvirt call that failed, with libvirt's error (read on the failing thread).</summary>
internal readonly record struct LibvirtError(string Operation, int Code, string Message);
