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

    /// <param name="handOver">For a scenario that hands over ("ready" lines): what the test does then, by the word it got.</param>
    public static async Task<JsonElement> RunAsync(string scenario, CockpitWs ws, string socket, string domain, string device, Func<string, Task>? handOver = null)
    {
        string cockpit = Path.Combine(Corpus.RepositoryRoot, "cockpit");
        var psi = new ProcessStartInfo("node", [Path.Combine(cockpit, "test", "browser.mjs"), scenario])
        {
            WorkingDirectory = cockpit,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.Environment["CK_URL"] = ws.Url;
        psi.Environment["CK_SOCKET"] = socket;
        psi.Environment["CK_DOMAIN"] = domain;
        psi.Environment["CK_DEVICE"] = device;
        psi.Environment["CK_SCREENSHOTS"] = Screenshots;
        psi.Environment["CK_CHROMIUM"] = Chromium;
        using Process node = Process.Start(psi)!;
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        string last = "";
        while (await node.StandardOutput.ReadLineAsync(cts.Token) is string line)
        {
            if (line.StartsWith("{\"ready\":", StringComparison.Ordinal) && handOver is not null)
            {
                await handOver(JsonDocument.Parse(line).RootElement.GetProperty("ready").GetString()!);
                await node.StandardInput.WriteLineAsync("go");
                await node.StandardInput.FlushAsync(cts.Token);
            }
            else if (line.Length > 0)
            {
                last = line;
            }
        }

        await node.WaitForExitAsync(cts.Token);
        if (node.ExitCode != 0 || !last.StartsWith('{'))
        {
            throw new InvalidOperationException($"browser.mjs {scenario} exited with {node.ExitCode}:\n{last}\n{await stderr}");
        }

        return JsonDocument.Parse(last).RootElement.Clone();
    }
}
