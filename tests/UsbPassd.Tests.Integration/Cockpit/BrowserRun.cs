using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// One run of cockpit/test/browser.mjs: Debian's headless Chromium driven by puppeteer-core through
/// a scenario (main, denied, bench). Its report is the JSON line it prints last.
/// </summary>
internal static class BrowserRun
{
    public const string Chromium = "/usr/bin/chromium";

    public static string Screenshots => Path.Combine(Corpus.RepositoryRoot, "build", "cockpit-screenshots");

    public static async Task<JsonElement> RunAsync(string scenario, CockpitWs ws, string socket, string domain, string device, string? screenshots = null)
    {
        string cockpit = Path.Combine(Corpus.RepositoryRoot, "cockpit");
        var psi = new ProcessStartInfo("node", [Path.Combine(cockpit, "test", "browser.mjs"), scenario])
        {
            WorkingDirectory = cockpit,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["CK_URL"] = ws.Url;
        psi.Environment["CK_SOCKET"] = socket;
        psi.Environment["CK_DOMAIN"] = domain;
        psi.Environment["CK_DEVICE"] = device;
        psi.Environment["CK_SCREENSHOTS"] = screenshots ?? Screenshots;
        psi.Environment["CK_CHROMIUM"] = Chromium;
        using Process node = Process.Start(psi)!;
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        string stdout = await node.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(cts.Token);
        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        if (node.ExitCode != 0 || !last.StartsWith('{'))
        {
            throw new InvalidOperationException($"browser.mjs {scenario} exited with {node.ExitCode}:\n{last}\n{await stderr}");
        }

        return JsonDocument.Parse(last).RootElement.Clone();
    }
}
