using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Commits;

namespace UsbPassd.Tests.Integration.Pipeline;

/// <summary>
/// Issue 14, item 1 (one change feed): a uevent's commit reads the registry only inside its own
/// transaction, and the feed's subscribers (read model, RPC notifications, replug following) get the
/// rows with the change and read nothing. Counted by SQLite's own trace, not timed; `make bench-commit`
/// gives the figures.
/// </summary>
public sealed class CommitStatementsTests : IDisposable
{
    /// <summary>
    /// The writer's own reads, documented: the live rows, and the last deleted row of each present dev_id
    /// (was 3 before the feed, with the RPC service reading the view again and each changed row).
    /// </summary>
    private const int ReadsPerCommit = 2;

    private readonly string _work = Directory.CreateTempSubdirectory("usbpassd-commit-statements-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_work, recursive: true);
    }

    [Theory]
    [InlineData("add")]
    [InlineData("remove")]
    public void A_commit_with_the_daemons_subscribers_reads_the_registry_only_in_its_own_transaction(string action)
    {
        string tree = Path.Combine(_work, "sys");
        BigTree.Write(tree, 10);
        using var daemon = new DaemonCommits(tree, Path.Combine(_work, "registry.db"), UsbIds.Empty);
        string device = DaemonCommits.DevPaths(tree)[0];
        if (action == "add")
        {
            daemon.Commit([DaemonCommits.Event("remove", device)]);
        }

        var counter = new StatementCounter(daemon.Database);
        counter.Start();
        long notifications = daemon.Notifications;
        daemon.Commit([DaemonCommits.Event(action, device)]);
        Statements commit = counter.Stop();
        counter.Unhook();

        string ran = string.Join('\n', commit.Texts);
        Assert.True(commit.Writes > 0, $"the trace saw the commit's writes:\n{ran}");
        Assert.True(daemon.Notifications > notifications, "the subscribers were told");
        Assert.True(commit.Reads <= ReadsPerCommit, $"{commit.Reads} registry reads in one {action} commit, documented {ReadsPerCommit}:\n{ran}");
        Assert.True(commit.ReadsAfterCommit == 0, $"{commit.ReadsAfterCommit} reads after the commit (a subscriber read the registry):\n{ran}");
    }
}
