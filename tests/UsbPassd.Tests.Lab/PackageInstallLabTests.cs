using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// Issue 8, item 5: a .deb installed into the lab host booted with systemd as PID 1 and checked by
/// tests/lab/install-test.sh, whose lines (one per check) become this test's output. The script
/// boots a lab host of its own, so these tests have a collection of their own: the lab tier runs
/// collections one after another, never two lab hosts at once.
/// </summary>
[Collection("lab-install")]
public sealed class PackageInstallLabTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    [Fact]
    public Task A_probe_package_installs_upgrades_and_purges_as_a_hardened_systemd_service() => Teardown.RunAsync(output, async teardown =>
    {
        string dir = teardown.TemporaryDirectory("usbpassd-probe-");
        string probe = Path.Combine(LabHost.ScriptDirectory, "probe-deb.sh");
        string deb = (await RunAsync(probe, dir, "1.0")).Stdout.Trim();
        string newer = (await RunAsync(probe, dir, "1.1")).Stdout.Trim();
        (int exit, string stdout) = await RunAsync(Path.Combine(LabHost.ScriptDirectory, "install-test.sh"), deb, newer);
        Assert.True(exit == 0, $"install-test.sh exited {exit}: see the FAIL lines in the output");
        Assert.Contains(" 0 failed", stdout, StringComparison.Ordinal);
    });

    [FactWhenUsbpassdDeb]
    public async Task The_usbpassd_package_passes_every_install_check()
    {
        string deb = FactWhenUsbpassdDebAttribute.Find()!;
        string? newer = Environment.GetEnvironmentVariable("USBPASSD_NEWER_DEB");
        (int exit, string stdout) = await RunAsync(Path.Combine(LabHost.ScriptDirectory, "install-test.sh"), [deb, .. string.IsNullOrEmpty(newer) ? [] : new[] { newer }]);
        Assert.True(exit == 0, $"install-test.sh exited {exit}: see the FAIL lines in the output");
        // The real package must not skip anything: every check of the contract applies to it.
        Assert.Matches(@"\d+ passed, 0 failed, 0 skipped", stdout);
        AssertLeastPrivilege(stdout);
    }

    /// <summary>
    /// Issue 17: the service runs as user usbpassd with no capability, and systemd-analyze security scores
    /// it at most 1.2 (packaging/systemd/README.md). Each check must have run and passed, not gone missing.
    /// </summary>
    private static void AssertLeastPrivilege(string stdout)
    {
        string[] checks =
        [
            "systemd-analyze security: exposure",
            "usbpassd runs as user usbpassd, group usbpassd, also in group libvirt",
            "no capability: CapInh, CapPrm, CapEff, CapBnd, CapAmb all 0",
            "/var/lib/usbpassd and registry.db belong to usbpassd",
            "upgrade gives a root-owned /var/lib/usbpassd (an older package's) to usbpassd",
            "socket /run/usbpassd/usbpassd.sock is 0660 usbpassd:usbpassd",
        ];
        foreach (string check in checks)
        {
            Assert.Matches(@"(?m)^ok\s+" + Regex.Escape(check), stdout);
        }

        Match exposure = Regex.Match(stdout, @"(?m)^info exposure of usbpassd\.service: ([0-9.]+)\s*$");
        Assert.True(exposure.Success, "install-test.sh printed no exposure line");
        Assert.InRange(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture), 0.0, 1.2);
    }

    // Runs a lab script, copying its lines into the test output as they come. On timeout it gets
    // SIGTERM, so that its own trap stops the lab host it booted.
    private async Task<(int Exit, string Stdout)> RunAsync(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new LabException($"cannot run {script}");
        var stdout = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { stdout.AppendLine(e.Data); Report(e.Data); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Report(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            using (Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])) { }
            await p.WaitForExitAsync();
            throw new LabException($"{Path.GetFileName(script)} did not finish within {Timeout.TotalMinutes} minutes");
        }

        p.WaitForExit(); // drains the asynchronous output readers
        return (p.ExitCode, stdout.ToString());
    }

    private void Report(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            Console.Error.WriteLine(line);
        }
    }
}
