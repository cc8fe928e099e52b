using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Cli;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>usbpassctl scan over real recorded trees: the JSON contract, the table, and the exit codes of the real binary.</summary>
public sealed class ScanCommandTests : IDisposable
{
    private readonly SysfsTree _camera = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev");

    public void Dispose() => _camera.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = UsbPassctl.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Json_has_the_contract_fields_with_nulls_kept()
    {
        var (code, json, _) = Run("scan", "--sysfs-root", _camera.Root, "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(json);
        string[] required =
        [
            "port_id", "parent_port_id", "bus_id", "device_id", "address", "vendor_id", "product_id", "serial", "manufacturer",
            "product", "vendor_name", "product_name", "device_class", "speed_mbps", "is_hub", "is_root_hub", "interfaces",
            "dev_id", "eligible", "ineligible_reason",
        ];
        foreach (JsonElement d in doc.RootElement.EnumerateArray())
        {
            Assert.All(required, f => Assert.True(d.TryGetProperty(f, out _), $"{f} missing"));
            Assert.Matches("^[0-9a-f]{4}$", d.GetProperty("vendor_id").GetString());
            Assert.Matches("^[0-9a-f]{4}$", d.GetProperty("product_id").GetString());
        }

        JsonElement camera = doc.RootElement.EnumerateArray().Single(d => d.GetProperty("port_id").GetString() == "1-1.5.2.3");
        Assert.Equal("1-1.5.2", camera.GetProperty("parent_port_id").GetString());
        Assert.Equal("usb_1_11", camera.GetProperty("address").GetString());
        Assert.Equal("04a9:31c0:C767F1C714174C309255F70E4A7B2EE2", camera.GetProperty("dev_id").GetString());
        Assert.Equal(480, camera.GetProperty("speed_mbps").GetDouble());
        Assert.Equal("06", camera.GetProperty("interfaces")[0].GetProperty("class").GetString());
        Assert.True(camera.GetProperty("eligible").GetBoolean());

        JsonElement hub = doc.RootElement.EnumerateArray().Single(d => d.GetProperty("port_id").GetString() == "1-1.5");
        Assert.Equal(JsonValueKind.Null, hub.GetProperty("product").ValueKind);
        Assert.Equal("hub", hub.GetProperty("ineligible_reason").GetString());
    }

    [Fact]
    public void The_table_reads_like_lsusb_with_port_serial_and_eligibility()
    {
        var (code, table, _) = Run("scan", "--sysfs-root", _camera.Root, "--usb-ids", "/nonexistent/usb.ids");
        string[] lines = table.Split('\n');

        Assert.Equal(0, code);
        Assert.StartsWith("BUS  DEV  PORT", lines[0]);
        Assert.Matches(@"^001  011  1-1\.5\.2\.3  04a9:31c0  Canon Inc\. Canon Digital Camera\s+C767F1C714174C309255F70E4A7B2EE2  yes$", lines.Single(l => l.Contains("04a9:31c0")));
        Assert.Contains("no: root hub", table);
        Assert.Contains("5 devices, 1 eligible for passthrough", table);
    }

    [Fact]
    public void No_usb_bus_and_bad_arguments_fail_with_advice()
    {
        var (code, _, error) = Run("scan", "--sysfs-root", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("no USB bus at", error);

        (code, _, error) = Run("scan", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("usbpassctl --help", error);
    }

    [Fact]
    public void The_real_binary_prints_help_and_exit_codes()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "usbpassctl.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "scan", "--help"]) { RedirectStandardOutput = true };
        using Process p = Process.Start(psi)!;
        string help = p.StandardOutput.ReadToEnd();
        p.WaitForExit();

        Assert.Equal(0, p.ExitCode);
        Assert.Contains("--sysfs-root", help);
        Assert.Contains("Examples:", help);
    }
}
