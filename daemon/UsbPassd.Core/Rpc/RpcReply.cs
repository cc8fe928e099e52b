namespace UsbPassd.Rpc;

/// <summary>
/// One outgoing line in up to three parts, so a result made once (devices.list's array, shared by every
/// caller until the next commit) is never copied per call: the head (<c>jsonrpc</c>, <c>id</c>), the
/// shared body, the tail. A line made whole is only a head. A flood of batches of devices.list then
/// allocates a few bytes per member instead of the whole list.
/// </summary>
public readonly record struct RpcReply(byte[] Head, byte[]? Body = null, byte[]? Tail = null)
{
    public int Length => Head.Length + (Body?.Length ?? 0) + (Tail?.Length ?? 0);

    public void CopyTo(Span<byte> target)
    {
        Head.CopyTo(target);
        int at = Head.Length;
        if (Body is not null)
        {
            Body.CopyTo(target[at..]);
            at += Body.Length;
        }

        Tail?.CopyTo(target[at..]);
    }

    public byte[] ToArray()
    {
        if (Body is null && Tail is null)
        {
            return Head;
        }

        byte[] line = new byte[Length];
        CopyTo(line);
        return line;
    }

    public async ValueTask WriteAsync(Stream stream, CancellationToken ct)
    {
        await stream.WriteAsync(Head, ct);
        if (Body is not null)
        {
            await stream.WriteAsync(Body, ct);
        }

        if (Tail is not null)
        {
            await stream.WriteAsync(Tail, ct);
        }
    }
}
