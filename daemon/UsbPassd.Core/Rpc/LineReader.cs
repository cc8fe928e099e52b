namespace UsbPassd.Rpc;

/// <summary>
/// Framing: newline-delimited messages (StreamJsonRpc's NewLineDelimitedMessageHandler) with a size
/// limit. A line longer than the limit is skipped up to its newline without being kept in memory,
/// and reported as <see cref="LineStatus.TooLong"/>.
/// </summary>
public sealed class LineReader(Stream stream, int maxLine)
{
    private byte[] _buffer = new byte[Math.Min(maxLine + 1, 16384)];
    private int _start;
    private int _end;
    private bool _discarding;

    public enum LineStatus
    {
        Line,
        TooLong,
        End,
    }

    /// <summary>The next line (without its newline; valid until the next call), a too-long report, or the end.</summary>
    public async ValueTask<(LineStatus Status, ReadOnlyMemory<byte> Line)> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = new ReadOnlyMemory<byte>(_buffer, _start, newline - _start);
                _start = newline + 1;
                if (_discarding)
                {
                    _discarding = false;
                    return (LineStatus.TooLong, default);
                }

                return (LineStatus.Line, line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line);
            }

            if (_discarding || _end - _start > maxLine)
            {
                // Over the limit: forget what we have, keep reading until the newline.
                _discarding = true;
                _start = _end = 0;
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLine + 1));
            }

            int n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (n == 0)
            {
                return (LineStatus.End, default);
            }

            _end += n;
        }
    }
}
