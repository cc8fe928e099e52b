using static UsbPassd.Interop.Interop;

namespace UsbPassd.Rpc;

/// <summary>Group names to gids through NSS (getgrnam_r), for the socket's owner and the access policy.</summary>
public static class UnixGroups
{
    public static uint? IdOf(string? name) => name is null ? null : Libc.GroupId(name);
}
