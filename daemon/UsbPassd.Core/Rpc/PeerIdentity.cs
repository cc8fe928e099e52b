using System.Net.Sockets;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Rpc;

/// <summary>Who is connected: SO_PEERCRED (set by the kernel at connect) and the process's supplementary groups.</summary>
public sealed record PeerIdentity(int Pid, uint Uid, uint Gid, IReadOnlySet<uint> Groups)
{
    public static PeerIdentity Of(Socket socket)
    {
        Libc.UCred cred = Libc.PeerCredentials(socket.SafeHandle);
        return new PeerIdentity(cred.Pid, cred.Uid, cred.Gid, SupplementaryGroups(cred.Pid));
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

    // "Groups:\t4 24 27 1000" in /proc/PID/status. A process that is gone by now gets none.
    private static HashSet<uint> SupplementaryGroups(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            return line is null ? [] : [.. line[7..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse)];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
