using System.Net.Sockets;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Rpc;

/// <summary>
/// Who is connected: SO_PEERCRED and SO_PEERGROUPS, both recorded by the kernel at connect(2). Nothing
/// is read from /proc/PID afterwards for access: the client may exit and its PID go to another process.
/// </summary>
public sealed record PeerIdentity(int Pid, uint Uid, uint Gid, IReadOnlySet<uint> Groups)
{
    public static PeerIdentity Of(Socket socket)
    {
        Libc.UCred cred = Libc.PeerCredentials(socket.SafeHandle);
        return new PeerIdentity(cred.Pid, cred.Uid, cred.Gid, SupplementaryGroups(socket));
    }

    public bool IsRoot => Uid == 0;

    public bool InGroup(uint gid) => Gid == gid || Groups.Contains(gid);

    public override string ToString() => $"uid {Uid} (pid {Pid})";

    /// <summary><c>uid 0 pid 4242 (nova-compute)</c>: for the history. The name is what the process calls itself, not proof.</summary>
    public string Describe()
    {
        string name;
        try
        {
            name = File.ReadAllText($"/proc/{Pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            name = "gone";
        }

        return $"uid {Uid} pid {Pid} ({name})";
    }

    // A kernel without SO_PEERGROUPS (before 4.13) gives no supplementary groups: the caller is judged
    // by its uid and primary gid alone, which can only refuse more, never allow more.
    private static HashSet<uint> SupplementaryGroups(Socket socket)
    {
        try
        {
            return [.. Libc.PeerGroups(socket.SafeHandle)];
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
