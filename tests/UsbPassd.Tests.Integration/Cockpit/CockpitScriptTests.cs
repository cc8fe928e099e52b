using System.Diagnostics;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>The page's pure modules, tested by node's own runner (cockpit/test/*.test.mjs).</summary>
public sealed class CockpitScriptTests
{
    [Fact]
    public async Task The_line_splitter_gives_back_the_lines_however_the_channel_cuts_them()
    {
        string cockpit = Path.Combine(Corpus.RepositoryRoot, "cockpit");
        var psi = new ProcessStartInfo("node", ["--test", Path.Combine("test", "lines.test.mjs")]) { WorkingDirectory = cockpit, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process node = Process.Start(psi)!;
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        string output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();

        Assert.True(node.ExitCode == 0, output + await stderr);
        Assert.Contains("# pass 5", output);
        Assert.Contains("# fail 0", output);
    }
}
