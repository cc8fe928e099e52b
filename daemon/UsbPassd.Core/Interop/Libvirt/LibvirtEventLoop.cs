using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

/// <summary>
/// libvirt's default event loop, once per process, on a thread of its own: it carries keepalive,
/// close detection and the domain events of every connection opened after it started.
/// </summary>
internal static class LibvirtEventLoop
{
    private static readonly Lock Starting = new();
    private static Thread? _thread;

    /// <summary>Starts the loop unless it runs; must come before the first connection that wants events.</summary>
    /// <returns>null, or what failed (the loop is then not running; the next call tries again).</returns>
    internal static unsafe LibvirtError? Start()
    {
        lock (Starting)
        {
            if (_thread is not null)
            {
                return null;
            }

            Interop.Libvirt.SilenceDefaultErrorHandler();
            if (Interop.Libvirt.EventRegisterDefaultImpl() < 0)
            {
                return Failed("register libvirt's event loop");
            }

            // A periodic timeout keeps the loop turning even with nothing to watch yet.
            if (Interop.Libvirt.EventAddTimeout(1000, &OnTick, IntPtr.Zero, IntPtr.Zero) < 0)
            {
                return Failed("add libvirt's event loop timer");
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "libvirt events" };
            _thread.Start();
            return null;
        }
    }

    private static void Run()
    {
        while (true)
        {
            if (Interop.Libvirt.EventRunDefaultImpl() < 0)
            {
                Thread.Sleep(100); // a broken iteration must not spin a core
            }
        }
    }

    private static LibvirtError Failed(string operation)
    {
        var (code, message) = Interop.Libvirt.TakeLastError();
        return new LibvirtError(operation, code, message);
    }

    [UnmanagedCallersOnly]
    private static void OnTick(int timer, IntPtr opaque)
    {
    }
}
