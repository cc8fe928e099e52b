namespace UsbPassd.Rpc;

/// <summary>Which callers may use which privilege: root always; the socket group reads; the admin group also modifies.</summary>
public sealed record AccessPolicy(uint? ReadGroup, uint? AdminGroup, string ReadGroupName = "usbpassd", string? AdminGroupName = null)
{
    /// <summary>Root or the admin group: may modify, and has a connection pool of its own.</summary>
    public bool IsPrivileged(PeerIdentity peer) => peer.IsRoot || (AdminGroup is uint admin && peer.InGroup(admin));

    /// <summary>Null when allowed, else a refusal a person can act on.</summary>
    public string? Refusal(PeerIdentity peer, Privilege needed, string method)
    {
        if (IsPrivileged(peer))
        {
            return null;
        }

        if (needed == Privilege.Read && ReadGroup is uint read && peer.InGroup(read))
        {
            return null;
        }

        return needed == Privilege.Read
            ? $"permission denied: {peer} may not call {method}; add the user to group {ReadGroupName} (or run as root)"
            : $"permission denied: {peer} may not call {method}, which changes device ownership; " +
              (AdminGroupName is null ? "only root may (set admin_group in usbpassd.json to delegate)" : $"add the user to group {AdminGroupName} (or run as root)");
    }
}
