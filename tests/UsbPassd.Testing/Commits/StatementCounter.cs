using Microsoft.Data.Sqlite;
using SQLitePCL;
using UsbPassd.Registry;

namespace UsbPassd.Testing.Commits;

/// <summary>What SQLite ran between <see cref="StatementCounter.Start"/> and <see cref="StatementCounter.Stop"/>.</summary>
/// <param name="Reads">SELECTs (and WITH … SELECT): statements that only read. A write's RETURNING is not a read.</param>
/// <param name="ReadsAfterCommit">Those of <paramref name="Reads"/> run after the first COMMIT: by the feed's subscribers or those they woke.</param>
/// <param name="Writes">INSERT, UPDATE, DELETE, REPLACE (with or without RETURNING).</param>
/// <param name="Other">BEGIN, COMMIT, PRAGMA and the like: a connection's settings and the transaction around the work.</param>
/// <param name="Texts">The statements, in order, as SQLite traced them (for a failing test's message).</param>
public sealed record Statements(int Reads, int ReadsAfterCommit, int Writes, int Other, IReadOnlyList<string> Texts);

/// <summary>
/// Counts the statements SQLite itself runs on a registry's connections, by its trace hook
/// (<c>sqlite3_trace</c>: called as each statement starts, with its text), not by what the code
/// appears to call: a statement Dapper splits or a connection's PRAGMAs count too.
/// </summary>
/// <remarks>
/// The registry opens a pooled connection per operation, and the hook lives on SQLite's handle, which
/// the pool keeps: <see cref="Start"/> takes <paramref name="connections"/> handles out of the pool at
/// once, hooks each and gives them back, so every connection an operation gets (up to that many open at
/// once) is hooked. A commit that saw no statement at all means one was missed: <see cref="Stop"/> says so.
/// The trace expands each statement's parameters into a string: measure allocations with it off
/// (<see cref="Unhook"/>).
/// </remarks>
public sealed class StatementCounter(RegistryDatabase database, int connections = 8)
{
    private readonly List<string> _texts = [];
    private bool _recording;

    /// <summary>Hooks the pooled connections (each time: the pool closes handles idle for minutes and opens new ones), then counts.</summary>
    public void Start()
    {
        Set(Trace);
        _texts.Clear();
        _recording = true;
    }

    /// <exception cref="InvalidOperationException">Nothing was traced: a connection escaped the hook.</exception>
    public Statements Stop()
    {
        _recording = false;
        if (_texts.Count == 0)
        {
            throw new InvalidOperationException("SQLite traced no statement: a connection the registry used was not hooked");
        }

        int reads = _texts.Count(t => Kind(t) == 'r'), writes = _texts.Count(t => Kind(t) == 'w');
        int commit = _texts.FindIndex(t => t.TrimStart().StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase));
        int readsAfter = commit < 0 ? 0 : _texts.Skip(commit + 1).Count(t => Kind(t) == 'r');
        return new Statements(reads, readsAfter, writes, _texts.Count - reads - writes, [.. _texts]);
    }

    /// <summary>Takes the hook off the pooled connections.</summary>
    public void Unhook() => Set(null);

    private void Set(delegate_trace? trace)
    {
        List<SqliteConnection> open = [];
        try
        {
            for (int i = 0; i < connections; i++)
            {
                open.Add(database.Connect());
            }

            foreach (SqliteConnection c in open)
            {
                raw.sqlite3_trace(c.Handle, trace, null);
            }
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    private void Trace(object userData, utf8z statement)
    {
        if (_recording)
        {
            _texts.Add(statement.utf8_to_string());
        }
    }

    private static readonly char[] Separators = [' ', '\n', '\t', '\r', ';', '('];
    private static readonly string[] WriteVerbs = ["INSERT", "UPDATE", "DELETE", "REPLACE"];

    // 'r' read, 'w' write, 'o' other (a trigger's body, traced as "-- TRIGGER name", counts as other).
    private static char Kind(string text)
    {
        string s = text.TrimStart();
        string verb = s.Split(Separators, 2)[0].ToUpperInvariant();
        return verb switch
        {
            "SELECT" or "VALUES" => 'r',
            "WITH" => WriteVerbs.Any(w => s.Contains(w, StringComparison.OrdinalIgnoreCase)) ? 'w' : 'r',
            "INSERT" or "UPDATE" or "DELETE" or "REPLACE" => 'w',
            _ => 'o',
        };
    }
}
