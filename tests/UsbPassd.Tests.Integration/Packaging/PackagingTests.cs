using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Integration.Packaging;

/// <summary>What ships, checked on this machine: the hook's protocol against a stand-in daemon, the unit's hardening.</summary>
public sealed partial class PackagingTests
{
    private static (int Exit, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + error.Result);
    }

    [Fact]
    public void The_libvirt_hook_keeps_its_protocol_with_the_daemon()
    {
        (int exit, string output) = Run(Path.Combine(Corpus.RepositoryRoot, "tests", "packaging", "hook-test.sh"));

        Assert.True(exit == 0, output);
        Assert.Matches(@"hook-test: \d+ passed, 0 failed", output);
    }

    [Fact]
    public void The_unit_stays_hardened_to_an_exposure_of_at_most_two()
    {
        (int exit, string output) = Run("systemd-analyze", "security", "--offline=true", Path.Combine(Corpus.RepositoryRoot, "packaging", "systemd", "usbpassd.service"));

        Assert.Equal(0, exit);
        Match m = Exposure().Match(output);
        Assert.True(m.Success, output);
        Assert.True(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) <= 2.0, m.Value);
    }

    [GeneratedRegex(@"Overall exposure level for usbpassd\.service: (\d+\.\d+)")]
    private static partial Regex Exposure();
}
