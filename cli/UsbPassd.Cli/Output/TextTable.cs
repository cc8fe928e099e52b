namespace UsbPassd.Cli.Output;

/// <summary>
/// Left-aligned columns separated by two spaces, like virsh and lsusb -t: no borders to get in the way
/// of grep. Every cell is made <see cref="Terminal.Safe"/> here, so no caller can forget a serial.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private const int MaxCell = 48;
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add([.. cells.Select(Terminal.Safe)]);

    public void Write(TextWriter output)
    {
        int[] widths = [.. headers.Select(h => h.Length)];
        foreach (string[] row in _rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Math.Min(row[i].Length, MaxCell));
            }
        }

        WriteRow(output, headers, widths);
        foreach (string[] row in _rows)
        {
            WriteRow(output, row, widths);
        }
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var line = new System.Text.StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            string cell = cells[i].Length > MaxCell ? cells[i][..(MaxCell - 1)] + "…" : cells[i];
            line.Append(i == cells.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
        }

        output.WriteLine(line.ToString().TrimEnd());
    }
}
