using System.Diagnostics;
using System.Text.Json;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// A client process running as another uid (setpriv, then socat on the socket): the daemon sees that
/// uid and its groups through SO_PEERCRED/SO_PEERGROUPS, as it would any user's usbpassctl.
/// </summary>
internal static class AccessCaller
{
    /// <summary>What the connection got: the replies by id, or the connection refused (socat's complaint).</summary>
    internal sealed record Session(IReadOnlyDictionary<int, JsonElement> Replies, bool Refused, string Stderr);

    /// <param name="user">null: root, as the test runs.</param>
    /// <param name="bypassFileMode">Keep CAP_DAC_OVERRIDE, so the socket file's mode does not stop the connection: the daemon's own check answers.</param>
    public static async Task<Session> CallAsync(string socket, string? user, bool bypassFileMode, IReadOnlyList<string> requests)
    {
        var psi = new ProcessStartInfo(user is null ? "socat" : "setpriv") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        if (user is not null)
        {
            foreach (string a in (string[])[$"--reuid={user}", $"--regid={PrimaryGroup(user)}", "--init-groups"])
            {
                psi.ArgumentList.Add(a);
            }

            if (bypassFileMode)
            {
                psi.ArgumentList.Add("--inh-caps=+dac_override");
                psi.ArgumentList.Add("--ambient-caps=+dac_override");
            }

            psi.ArgumentList.Add("socat");
        }

        // -t: after our half-close, how long socat waits for the rest (a subscribed connection stays open).
        foreach (string a in (string[])["-t", "3", "-", $"UNIX-CONNECT:{socket}"])
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.StandardInput.WriteAsync(string.Join("", requests.Select(r => r + "\n")));
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // socat is gone already: the connection was refused; stderr says so.
        }

        await p.WaitForExitAsync();
        var replies = new Dictionary<int, JsonElement>();
        foreach (string line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement reply = JsonDocument.Parse(line).RootElement.Clone();
            if (reply.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number)
            {
                replies[id.GetInt32()] = reply;
            }
        }

        string err = await stderr;
        return new Session(replies, p.ExitCode != 0 && err.Contains("Permission denied", StringComparison.Ordinal), err);
    }

    private static string PrimaryGroup(string user)
    {
        using Process id = Process.Start(new ProcessStartInfo("id", ["-g", user]) { RedirectStandardOutput = true })!;
        string gid = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        return gid;
    }
}
