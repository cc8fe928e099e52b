namespace UsbPassd.Rpc;

/// <summary>
/// Who may open one more connection: unprivileged callers share one pool and each uid has a quota in it;
/// root and the admin group have their own pool, so no read-only member can crowd them out.
/// </summary>
public sealed class ConnectionQuota(RpcLimits limits)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, int> _perUid = [];
    private int _unprivileged;
    private int _privileged;

    /// <summary>Null when admitted (then <see cref="Leave"/> must follow), else why not, for the client.</summary>
    public string? TryEnter(uint uid, bool privileged)
    {
        lock (_gate)
        {
            if (privileged)
            {
                if (_privileged >= limits.MaxPrivilegedConnections)
                {
                    return $"more than {limits.MaxPrivilegedConnections} connections of root and the admin group: try again later";
                }

                _privileged++;
                return null;
            }

            int mine = _perUid.GetValueOrDefault(uid);
            if (mine >= limits.MaxConnectionsPerUid)
            {
                return $"uid {uid} already has {mine} connections (at most {limits.MaxConnectionsPerUid}): close one and try again";
            }

            if (_unprivileged >= limits.MaxConnections)
            {
                return $"more than {limits.MaxConnections} connections of unprivileged users: try again later";
            }

            _perUid[uid] = mine + 1;
            _unprivileged++;
            return null;
        }
    }

    public void Leave(uint uid, bool privileged)
    {
        lock (_gate)
        {
            if (privileged)
            {
                _privileged--;
                return;
            }

            _unprivileged--;
            if (--_perUid[uid] == 0)
            {
                _perUid.Remove(uid);
            }
        }
    }
}
