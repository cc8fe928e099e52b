using static UsbPassd.Interop.Interop;

namespace UsbPassd.Tests.Integration.Files;

/// <summary>The process's umask for the length of a using block (only in <see cref="UmaskGroup"/>); files and children created meanwhile get it.</summary>
internal sealed class ProcessUmask : IDisposable
{
    private readonly uint _previous;

    /// <param name="octal">The mask as written for umask(1), e.g. "077".</param>
    public ProcessUmask(string octal) => _previous = Libc.Umask(Convert.ToUInt32(octal, 8));

    public void Dispose() => _ = Libc.Umask(_previous);
}
