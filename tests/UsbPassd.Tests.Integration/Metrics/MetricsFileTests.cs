using UsbPassd.Tests.Integration.Files;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Metrics;

/// <summary>
/// usbpassd under the unit's UMask=0077 with metrics_file in a directory where another user planted
/// <c>usbpassd.prom.tmp</c> as a link to a file of root's.
/// </summary>
public sealed class MetricsFileDaemonFixture : DaemonFixture
{
    public static readonly string Textfiles = Path.Combine(Path.GetTempPath(), $"usbpassd-textfile-{Environment.ProcessId}");
    public static readonly string Elsewhere = Textfiles + "-elsewhere";

    public MetricsFileDaemonFixture() : base("none", "--metrics-file", MetricsFile) { }

    public static string MetricsFile => Path.Combine(Textfiles, "usbpassd.prom");

    public static string Victim => Path.Combine(Elsewhere, "shadow");

    public override async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Textfiles);
        System.IO.Directory.CreateDirectory(Elsewhere);
        File.WriteAllText(Victim, "root's secret\n");
        File.SetUnixFileMode(Victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(MetricsFile + ".tmp", Victim);
        using (new ProcessUmask("077"))
        {
            await base.InitializeAsync();
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        System.IO.Directory.Delete(Textfiles, recursive: true);
        System.IO.Directory.Delete(Elsewhere, recursive: true);
    }
}

[Collection(UmaskGroup.Name)]
public sealed class MetricsFileTests(MetricsFileDaemonFixture daemon) : IClassFixture<MetricsFileDaemonFixture>
{
    [Fact]
    public async Task The_metrics_file_is_readable_by_node_exporter_and_the_planted_link_is_not_followed()
    {
        // The first figures are written as the metrics service starts, which may come just after READY=1.
        for (var until = DateTime.UtcNow.AddSeconds(30); !File.Exists(MetricsFileDaemonFixture.MetricsFile) && DateTime.UtcNow < until; await Task.Delay(50))
        {
        }

        Assert.True(daemon.Pid > 0);
        Assert.Equal("root's secret\n", File.ReadAllText(MetricsFileDaemonFixture.Victim));
        Assert.Null(new FileInfo(MetricsFileDaemonFixture.MetricsFile).LinkTarget);
        Assert.Contains("usbpassd_devices{status=\"available\"}", File.ReadAllText(MetricsFileDaemonFixture.MetricsFile));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(MetricsFileDaemonFixture.MetricsFile));
    }
}
