using System.Text.Json;
using System.Text.RegularExpressions;
using UsbPassd.Protocol;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Issue 17, part 5a: every RPC method called as root, a socket group member, an admin group member
/// and an unrelated uid, each answer checked against the one table in protocol/README.md.
/// </summary>
public sealed partial class AccessTableTests(AccessFixture daemon) : IClassFixture<AccessFixture>
{
    private static AccessTable Table => AccessTable.Parse(File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "protocol", "README.md")));

    // Params that make an allowed call get an answer of its own (mostly "no such device"), so that
    // "not 1001" is not just -32602. A method without an entry is called without params.
    private static readonly Dictionary<string, string> Params = new(StringComparer.Ordinal)
    {
        [Methods.DevicesGet] = """{"port_id":"9-9"}""",
        [Methods.DevicesReserve] = """{"device":"9-9","instance_uuid":"00000000-0000-4000-8000-0000000000a5"}""",
        [Methods.DevicesRelease] = """{"device":"9-9","instance_uuid":"00000000-0000-4000-8000-0000000000a5"}""",
        [Methods.DevicesAttach] = """{"device":"9-9","instance":"no-such-vm"}""",
        [Methods.DevicesDetach] = """{"device":"9-9","instance":"no-such-vm"}""",
        [Methods.DevicesSwap] = """{"instance":"no-such-vm","from":"9-9","to":"9-8"}""",
        [Methods.DevicesSetMigration] = """{"device":"9-9","migration":"drop"}""",
        [Methods.InstancesDevices] = """{"instance":"no-such-vm"}""",
        [Methods.InstancesMigrationCheck] = """{"instance":"no-such-vm"}""",
        [Methods.PolicyCheck] = """{"device":"9-9"}""",
        [Methods.HistoryList] = """{"limit":1}""",
        [Methods.HookQemu] = """{"domain_uuid":"00000000-0000-4000-8000-0000000000a5","operation":"stopped","sub_operation":"end"}""",
    };

    [Fact]
    public void The_table_has_the_four_callers_and_only_allowed_or_1001_in_its_cells()
    {
        AccessTable table = Table;
        Assert.Equal(AccessTable.ExpectedCallers, table.Callers);
        Assert.All(table.Rows, row => Assert.All(row.Value, cell => Assert.Contains(cell, (string[])["allowed", "1001"])));
    }

    [Fact]
    public async Task Every_method_the_daemon_serves_has_a_row_and_every_row_is_a_method_it_serves()
    {
        string[] served = await ServedMethodsAsync();
        Assert.Equal(served.Order(StringComparer.Ordinal), Table.Rows.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_caller_gets_what_the_table_says_for_every_method()
    {
        AccessTable table = Table;
        string[] methods = [.. table.Rows.Keys];
        string[] requests = [.. methods.Select((m, i) => $$"""{"jsonrpc":"2.0","id":{{i}},"method":"{{m}}"{{(Params.TryGetValue(m, out string? p) ? $",\"params\":{p}" : "")}}}""")];
        (string Caller, string? User, bool Bypass)[] callers =
        [
            ("root", null, false),
            ("socket group member", daemon.Reader, false),
            ("admin group member", daemon.Admin, false),
            ("unrelated uid", daemon.Stranger, true),
        ];
        var wrong = new List<string>();
        foreach ((string caller, string? user, bool bypass) in callers)
        {
            int column = table.Callers.ToList().IndexOf(caller);
            AccessCaller.Session session = await AccessCaller.CallAsync(daemon.Socket, user, bypass, requests);
            Assert.False(session.Refused, $"{caller}: the connection was refused: {session.Stderr}");
            for (int i = 0; i < methods.Length; i++)
            {
                string expected = table.Rows[methods[i]][column];
                if (!session.Replies.TryGetValue(i, out JsonElement reply))
                {
                    wrong.Add($"{methods[i]} as {caller}: no answer ({session.Stderr.Trim()})");
                    continue;
                }

                int? code = reply.TryGetProperty("error", out JsonElement e) ? e.GetProperty("code").GetInt32() : null;
                bool ok = expected == "allowed" ? code != ErrorCodes.PermissionDenied : code == ErrorCodes.PermissionDenied;
                if (!ok)
                {
                    wrong.Add($"{methods[i]} as {caller}: the table says {expected}, the daemon answered {reply}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task The_socket_file_refuses_the_connection_of_a_uid_in_neither_group_and_of_an_admin_outside_the_socket_group()
    {
        string[] hostInfo = [$$"""{"jsonrpc":"2.0","id":1,"method":"{{Methods.HostInfo}}"}"""];
        AccessCaller.Session stranger = await AccessCaller.CallAsync(daemon.Socket, daemon.Stranger, bypassFileMode: false, hostInfo);
        AccessCaller.Session adminOnly = await AccessCaller.CallAsync(daemon.Socket, daemon.AdminOnly, bypassFileMode: false, hostInfo);
        Assert.True(stranger.Refused, stranger.Stderr);
        Assert.True(adminOnly.Refused, adminOnly.Stderr);
        Assert.Empty(stranger.Replies);
        Assert.Empty(adminOnly.Replies);
    }

    // The daemon's own list: -32601 names every method it serves ("no method 'x' (methods: a, b)").
    private async Task<string[]> ServedMethodsAsync()
    {
        AccessCaller.Session s = await AccessCaller.CallAsync(daemon.Socket, null, false, ["""{"jsonrpc":"2.0","id":1,"method":"no.such.method"}"""]);
        string message = s.Replies[1].GetProperty("error").GetProperty("message").GetString()!;
        Match m = MethodList().Match(message);
        Assert.True(m.Success, message);
        return [.. m.Groups[1].Value.Split(", ")];
    }

    [GeneratedRegex(@"\(methods: ([^)]*)\)")]
    private static partial Regex MethodList();
}
