namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// protocol/README.md's "Who may do what" table, parsed: per method, per caller, "allowed" or the
/// refusal code. The README is the one place it is written; the test reads it, not a copy.
/// </summary>
internal sealed record AccessTable(IReadOnlyList<string> Callers, IReadOnlyDictionary<string, IReadOnlyList<string>> Rows)
{
    public const string Heading = "## Who may do what";

    public static readonly string[] ExpectedCallers = ["root", "socket group member", "admin group member", "unrelated uid"];

    public static AccessTable Parse(string readme)
    {
        int at = readme.IndexOf(Heading + "\n", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new FormatException($"protocol/README.md has no section '{Heading}'");
        }

        string section = readme[(at + Heading.Length)..];
        int next = section.IndexOf("\n## ", StringComparison.Ordinal);
        string[] table = [.. (next < 0 ? section : section[..next]).Split('\n').Where(l => l.StartsWith('|'))];
        if (table.Length < 3)
        {
            throw new FormatException($"'{Heading}' has no table");
        }

        string[] header = Cells(table[0]);
        var rows = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (string line in table.Skip(2))
        {
            string[] cells = Cells(line);
            if (cells.Length != header.Length)
            {
                throw new FormatException($"row '{line}' has {cells.Length} cells, the header {header.Length}");
            }

            if (!rows.TryAdd(cells[0].Trim('`'), cells[1..]))
            {
                throw new FormatException($"{cells[0]} has two rows");
            }
        }

        return new AccessTable(header[1..], rows);
    }

    private static string[] Cells(string line) => [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];
}
